//go:build tools

// Package tools pins the Pulumi CLI (github.com/pulumi/pulumi/pkg/v3) for
// tests/e2e/toolchain.sh. The Node.js language host is built from ./language-nodejs
// in this module (see there for why).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
