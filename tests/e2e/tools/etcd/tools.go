//go:build tools

// Package tools pins etcd (the server's main package is its module root)
// for tests/e2e/toolchain.sh.
package tools

import _ "go.etcd.io/etcd/server/v3"
