//go:build tools

// Package tools pins the Kubernetes control-plane binaries built by
// tests/e2e/toolchain.sh (kube-apiserver, kube-controller-manager,
// kube-scheduler) so that go.mod/go.sum record exact versions.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
