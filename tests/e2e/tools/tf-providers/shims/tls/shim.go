// Package shim exposes the Terraform TLS provider's constructor to the bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	tls "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the upstream Terraform Plugin Framework provider.
func NewProvider() provider.Provider { return tls.New() }
