package localcloud

import (
	"fmt"
	"net/http"
	"net/netip"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// NATChain is the nat-table chain that holds every load balancer's
// translations; PREROUTING and OUTPUT jump to it.
const NATChain = "NGINX-SERVICE-LB"

// NAT is the other kind of load balancer: instead of a forwarder that opens
// its own connection to a node port (so the node sees the forwarder's
// address), each new connection to ADDRESS:PORT is translated to
// NODE:NODEPORT in the controller's network namespace (iptables DNAT), and
// its packets are routed on with the client's source address. Replies must
// come back through that namespace (the cluster's network routes them so).
// For a Service with externalTrafficPolicy Local it sends only to the nodes
// whose health check node port answers 200 (to every node while none does),
// as cloud load balancers do.
type NAT struct {
	// Apply replaces the rules of NATChain with the given iptables-restore
	// input (see IptablesRestore).
	Apply func(rules string) error
	// Healthy reports whether NODE:PORT answers the health check.
	Healthy func(node netip.Addr, port int32) bool
	// Interval between two health checks of a node.
	Interval time.Duration

	mu      sync.Mutex
	entries map[string]*natEntry // by load balancer name
	started bool
}

type natEntry struct {
	service    string
	addr       netip.Addr
	ports      map[int32]int32 // Service port -> node port
	nodes      []netip.Addr
	allowed    []netip.Prefix
	healthPort int32 // 0: no health check, every node
	healthy    map[netip.Addr]bool
}

// backends are the nodes the entry sends new connections to: the healthy
// ones, or every node while none is (as cloud load balancers fail open, e.g.
// in the moment a Service turns Local, before kube-proxy serves its health
// check port).
func (e *natEntry) backends() []netip.Addr {
	if e.healthPort == 0 {
		return e.nodes
	}
	var out []netip.Addr
	for _, n := range e.nodes {
		if e.healthy[n] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return e.nodes
	}
	return out
}

// Set creates or updates a load balancer and applies the rules. A Service
// with a health check port is checked once on every node before its rules
// are written, so it never starts by sending to a node without its pods.
func (n *NAT) Set(name, service string, addr netip.Addr, ports map[int32]int32, nodes []netip.Addr, allowed []netip.Prefix, healthPort int32) error {
	e := &natEntry{service: service, addr: addr, ports: ports, nodes: nodes, allowed: allowed, healthPort: healthPort, healthy: map[netip.Addr]bool{}}
	if healthPort != 0 {
		for node, ok := range n.check(nodes, healthPort) {
			e.healthy[node] = ok
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.entries == nil {
		n.entries = map[string]*natEntry{}
	}
	n.entries[name] = e
	if !n.started {
		n.started = true
		go n.healthLoop()
	}
	klog.InfoS("Load balancer translates", "service", service, "address", addr, "backends", e.backends(), "healthCheckNodePort", healthPort)
	return n.Apply(n.render())
}

// Reset writes the chain with no load balancer in it.
func (n *NAT) Reset() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.Apply(n.render())
}

// Remove deletes a load balancer's rules; open connections keep their
// translation until they end.
func (n *NAT) Remove(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.entries, name)
	return n.Apply(n.render())
}

// check runs the health checks of the nodes in parallel.
func (n *NAT) check(nodes []netip.Addr, port int32) map[netip.Addr]bool {
	out := make(map[netip.Addr]bool, len(nodes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, node := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := n.Healthy(node, port)
			mu.Lock()
			out[node] = ok
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (n *NAT) healthLoop() {
	for {
		time.Sleep(n.Interval)
		type job struct {
			name  string
			nodes []netip.Addr
			port  int32
		}
		var jobs []job
		n.mu.Lock()
		for name, e := range n.entries {
			if e.healthPort != 0 {
				jobs = append(jobs, job{name, e.nodes, e.healthPort})
			}
		}
		n.mu.Unlock()
		for _, j := range jobs {
			result := n.check(j.nodes, j.port)
			n.mu.Lock()
			e, ok := n.entries[j.name]
			changed := false
			if ok && e.healthPort == j.port {
				for node, healthy := range result {
					if e.healthy[node] != healthy {
						e.healthy[node] = healthy
						changed = true
					}
				}
			}
			if changed {
				klog.InfoS("Load balancer health changed", "service", e.service, "address", e.addr, "backends", e.backends())
				if err := n.Apply(n.render()); err != nil {
					klog.ErrorS(err, "Applying the load balancers' rules failed")
				}
			}
			n.mu.Unlock()
		}
	}
}

// render is the iptables-restore input for every load balancer: per address,
// port and allowed source range, one DNAT rule per backend, each taking its
// share of the new connections (the nat table sees only a connection's first
// packet). A port without a backend (no node) gets no rule: connections to it
// reach the address itself, where nothing listens, and are refused.
func (n *NAT) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "*nat\n:%s - [0:0]\n", NATChain)
	names := make([]string, 0, len(n.entries))
	for name := range n.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		e := n.entries[name]
		backends := e.backends()
		ports := make([]int32, 0, len(e.ports))
		for p := range e.ports {
			ports = append(ports, p)
		}
		slices.Sort(ports)
		sources := []string{""}
		if e.allowed != nil {
			sources = nil
			for _, p := range e.allowed {
				sources = append(sources, " -s "+p.String())
			}
		}
		for _, port := range ports {
			for _, src := range sources {
				for i, node := range backends {
					share := ""
					if left := len(backends) - i; left > 1 {
						share = fmt.Sprintf(" -m statistic --mode random --probability %.6f", 1/float64(left))
					}
					fmt.Fprintf(&b, "-A %s -d %s/32%s -p tcp -m tcp --dport %d%s -j DNAT --to-destination %s:%d\n",
						NATChain, e.addr, src, port, share, node, e.ports[port])
				}
			}
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// IptablesRestore applies rules with iptables-restore, keeping the other
// chains, and makes PREROUTING and OUTPUT jump to NATChain once.
func IptablesRestore(rules string) error {
	cmd := exec.Command("iptables-restore", "--noflush", "-w", "5")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore: %v: %s", err, out)
	}
	for _, hook := range []string{"PREROUTING", "OUTPUT"} {
		if exec.Command("iptables", "-w", "5", "-t", "nat", "-C", hook, "-j", NATChain).Run() == nil {
			continue
		}
		if out, err := exec.Command("iptables", "-w", "5", "-t", "nat", "-I", hook, "-j", NATChain).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -I %s: %v: %s", hook, err, out)
		}
	}
	return nil
}

// HTTPHealthy is kube-proxy's health check: GET /healthz on the node's health
// check node port answers 200 while the node has a ready endpoint of the
// Service, 503 otherwise.
func HTTPHealthy(timeout time.Duration) func(netip.Addr, int32) bool {
	client := &http.Client{Timeout: timeout}
	return func(node netip.Addr, port int32) bool {
		resp, err := client.Get(fmt.Sprintf("http://%s/healthz", netip.AddrPortFrom(node, uint16(port))))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}
