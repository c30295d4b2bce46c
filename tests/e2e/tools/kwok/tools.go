//go:build tools

// Package tools pins kwok (fake kubelets and Stage-driven controllers) for
// tests/e2e/toolchain.sh.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
