//go:build tools

// Package tools pins the Pulumi CLI (github.com/pulumi/pulumi/pkg/v3) for
// tests/e2e/toolchain.sh. The language hosts are our own, in ../language-hosts.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
