// Command coredns is the cluster DNS of the e2e single-node cluster: CoreDNS
// (github.com/coredns/coredns, the version Kubernetes v1.34's kubeadm ships)
// with only the plugins a cluster DNS needs compiled in.
//
// There is deliberately no `forward` (nor `grpc`, `etcd`, cloud DNS, ...)
// plugin: the cluster must not resolve names outside cluster.local, and a
// Corefile that names an upstream fails to parse ("Unknown directive").
//
// It runs as a process in the cluster's network namespace (not as a pod), on
// the node's address, reading the API server through a kubeconfig file:
//
//	.:53 {
//	    bind 198.18.0.2
//	    errors
//	    health 198.18.0.2:8080
//	    ready 198.18.0.2:8181
//	    kubernetes cluster.local in-addr.arpa ip6.arpa {
//	        kubeconfig /path/to/kubeconfig [CONTEXT]
//	        pods insecure
//	        fallthrough in-addr.arpa ip6.arpa
//	        ttl 30
//	    }
//	    cache 30
//	    loadbalance
//	}
//
// Names outside the kubernetes zones are answered REFUSED.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// directives lists the compiled-in plugins in the order CoreDNS runs them
// (the relative order of CoreDNS's own generated list, core/dnsserver/zdirectives.go).
// "prometheus" is the directive of the metrics plugin.
var directives = []string{
	"reload",
	"bind",
	"ready",
	"health",
	"prometheus",
	"errors",
	"log",
	"loadbalance",
	"cache",
	"hosts",
	"kubernetes",
	"file",
	"whoami",
}

func main() {
	dnsserver.Directives = directives
	coremain.Run()
}
