// Package shim exposes the Terraform random provider's constructor to the bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	random "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream Terraform Plugin Framework provider.
func NewProvider() provider.Provider { return random.New() }
