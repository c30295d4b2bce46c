//go:build tools

// Package tools pins the Kubernetes binaries built by tests/e2e/toolchain.sh from one release, so
// that go.mod/go.sum record exact versions: the control plane (kube-apiserver,
// kube-controller-manager, kube-scheduler) and the node and client of the real-cluster suite
// (kubelet, kube-proxy, kubectl), which must match the API server's version.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
