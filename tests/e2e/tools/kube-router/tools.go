//go:build tools

// Package tools pins kube-router for tests/e2e/toolchain.sh. Only its network
// policy firewall is run (see controlplane.sh): v2.1.0 is the only version the
// module proxy serves.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
