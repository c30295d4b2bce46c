// Package localcloud is a small cloud of our own for the e2e cluster: its
// load balancers are addresses from a pool, put on a network interface, with
// a TCP forwarder on each Service port that sends connections to the node
// ports. It has no instances, zones, routes or clusters.
package localcloud

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	cloudprovider "k8s.io/cloud-provider"
	servicehelpers "k8s.io/cloud-provider/service/helpers"
	"k8s.io/klog/v2"
)

// ProviderName is the name the cloud is registered under (--cloud-provider).
const ProviderName = "nginx-service-local"

// Config of the cloud.
type Config struct {
	Pool      *Pool
	Addresses Addresses
	// Drain is how long EnsureLoadBalancerDeleted (and a removed port) lets
	// open connections go on before closing them.
	Drain time.Duration
	// Dial is the timeout of a connection to a node port.
	Dial time.Duration
	// NAT, when set, makes every load balancer an address translation
	// (see NAT) instead of a forwarder.
	NAT *NAT
}

// Cloud implements cloudprovider.Interface with a LoadBalancer only.
type Cloud struct {
	cfg Config

	mu  sync.Mutex
	lbs map[string]*loadBalancer // by load balancer name
}

type loadBalancer struct {
	name       string
	service    string
	addr       netip.Addr
	targets    atomic.Pointer[backends]
	next       atomic.Uint64
	forwarders map[int32]*forwarder // by Service port
}

var (
	_ cloudprovider.Interface    = (*Cloud)(nil)
	_ cloudprovider.LoadBalancer = (*Cloud)(nil)
)

// New returns a cloud with no load balancer.
func New(cfg Config) *Cloud {
	if cfg.Addresses == nil {
		cfg.Addresses = NoAddresses{}
	}
	if cfg.Dial == 0 {
		cfg.Dial = 5 * time.Second
	}
	return &Cloud{cfg: cfg, lbs: map[string]*loadBalancer{}}
}

func (c *Cloud) Initialize(cloudprovider.ControllerClientBuilder, <-chan struct{}) {}
func (c *Cloud) LoadBalancer() (cloudprovider.LoadBalancer, bool)                  { return c, true }
func (c *Cloud) Instances() (cloudprovider.Instances, bool)                        { return nil, false }
func (c *Cloud) InstancesV2() (cloudprovider.InstancesV2, bool)                    { return nil, false }
func (c *Cloud) Zones() (cloudprovider.Zones, bool)                                { return nil, false }
func (c *Cloud) Clusters() (cloudprovider.Clusters, bool)                          { return nil, false }
func (c *Cloud) Routes() (cloudprovider.Routes, bool)                              { return nil, false }
func (c *Cloud) ProviderName() string                                              { return ProviderName }
func (c *Cloud) HasClusterID() bool                                                { return true }

func serviceKey(s *v1.Service) string { return s.Namespace + "/" + s.Name }

func status(a netip.Addr) *v1.LoadBalancerStatus {
	mode := v1.LoadBalancerIPModeProxy
	return &v1.LoadBalancerStatus{Ingress: []v1.LoadBalancerIngress{{IP: a.String(), IPMode: &mode}}}
}

// GetLoadBalancerName is the usual default: "a" + the Service's UID without dashes, 32 characters at most.
func (c *Cloud) GetLoadBalancerName(_ context.Context, _ string, s *v1.Service) string {
	return cloudprovider.DefaultLoadBalancerName(s)
}

// GetLoadBalancer reports whether the Service's load balancer exists, and its status. A load balancer
// an earlier run of the controller made (see leftAddr) exists too, so that the service controller
// deletes it through EnsureLoadBalancerDeleted rather than only dropping the Service's finalizer.
func (c *Cloud) GetLoadBalancer(_ context.Context, _ string, s *v1.Service) (*v1.LoadBalancerStatus, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lb, ok := c.lbs[cloudprovider.DefaultLoadBalancerName(s)]
	if !ok {
		if addr, left := c.leftAddr(s); left {
			return status(addr), true, nil
		}
		return nil, false, nil
	}
	return status(lb.addr), true, nil
}

// leftAddr is the pool address the Service's status reports when no load balancer of this run holds
// it: one made by an earlier run of the controller, which keeps no state across a restart, so the
// address is all that identifies it. The start of a run takes such addresses off the interface, but
// deleting by the Service's own address does not depend on that having happened.
func (c *Cloud) leftAddr(s *v1.Service) (netip.Addr, bool) {
	for _, in := range s.Status.LoadBalancer.Ingress {
		a, err := netip.ParseAddr(in.IP)
		if err != nil || !c.cfg.Pool.Contains(a) {
			continue
		}
		if _, held := c.cfg.Pool.Holder(a); !held {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// EnsureLoadBalancer creates the Service's load balancer or brings it up to date.
func (c *Cloud) EnsureLoadBalancer(_ context.Context, _ string, s *v1.Service, nodes []*v1.Node) (*v1.LoadBalancerStatus, error) {
	return c.ensure(s, nodes, "ensure")
}

// UpdateLoadBalancer updates the nodes (and ports) the load balancer forwards to.
func (c *Cloud) UpdateLoadBalancer(_ context.Context, _ string, s *v1.Service, nodes []*v1.Node) error {
	_, err := c.ensure(s, nodes, "update")
	return err
}

func (c *Cloud) ensure(s *v1.Service, nodes []*v1.Node, op string) (*v1.LoadBalancerStatus, error) {
	name := cloudprovider.DefaultLoadBalancerName(s)
	svc := serviceKey(s)

	ranges, err := sourceRanges(s)
	if err != nil {
		return nil, err
	}
	ports := map[int32]int32{} // Service port -> node port
	for _, p := range s.Spec.Ports {
		switch {
		case p.Protocol != "" && p.Protocol != v1.ProtocolTCP:
			klog.InfoS("Load balancer ignores a non-TCP port", "service", svc, "port", p.Port, "protocol", p.Protocol)
		case p.NodePort == 0:
			klog.InfoS("Load balancer ignores a port without a node port (allocateLoadBalancerNodePorts: false?)", "service", svc, "port", p.Port)
		default:
			ports[p.Port] = p.NodePort
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()

	lb, exists := c.lbs[name]
	if !exists {
		var required, preferred netip.Addr
		if s.Spec.LoadBalancerIP != "" {
			if required, err = netip.ParseAddr(s.Spec.LoadBalancerIP); err != nil {
				return nil, fmt.Errorf("service %s: spec.loadBalancerIP: %w", svc, err)
			}
		}
		for _, in := range s.Status.LoadBalancer.Ingress {
			if a, err := netip.ParseAddr(in.IP); err == nil {
				preferred = a
				break
			}
		}
		addr, err := c.cfg.Pool.Allocate(name, required, preferred)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		if err := c.cfg.Addresses.Add(addr); err != nil {
			c.cfg.Pool.Release(name)
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		lb = &loadBalancer{name: name, service: svc, addr: addr, forwarders: map[int32]*forwarder{}}
	} else if s.Spec.LoadBalancerIP != "" && s.Spec.LoadBalancerIP != lb.addr.String() {
		return nil, fmt.Errorf("service %s: load balancer holds %s, spec.loadBalancerIP %s would need a new one (delete and recreate the Service)", svc, lb.addr, s.Spec.LoadBalancerIP)
	}

	lb.targets.Store(&backends{nodes: nodeAddrs(nodes, lb.addr), allowed: ranges})

	if c.cfg.NAT != nil {
		var healthPort int32
		if s.Spec.ExternalTrafficPolicy == v1.ServiceExternalTrafficPolicyLocal {
			healthPort = s.Spec.HealthCheckNodePort
		}
		if err := c.cfg.NAT.Set(name, svc, lb.addr, ports, lb.targets.Load().nodes, ranges, healthPort); err != nil {
			if !exists {
				c.releaseAddr(lb)
			}
			return nil, fmt.Errorf("service %s: load balancer rules: %w", svc, err)
		}
		c.lbs[name] = lb
		return status(lb.addr), nil
	}

	// Listeners: open the new ports first (a failure leaves the load
	// balancer as it was), then retarget the kept ones, then close the old.
	var opened []*forwarder
	for port, nodePort := range ports {
		if _, ok := lb.forwarders[port]; ok {
			continue
		}
		f, err := startForwarder(name, svc, netip.AddrPortFrom(lb.addr, uint16(port)), nodePort, &lb.targets, &lb.next, c.cfg.Dial)
		if err != nil {
			for _, f := range opened {
				f.close(0)
			}
			if !exists {
				c.releaseAddr(lb)
			}
			return nil, fmt.Errorf("service %s: load balancer listener: %w", svc, err)
		}
		opened = append(opened, f)
	}
	for _, f := range opened {
		lb.forwarders[int32(f.listen.Port())] = f
	}
	for port, f := range lb.forwarders {
		if nodePort, ok := ports[port]; ok {
			f.nodePort.Store(nodePort)
			continue
		}
		delete(lb.forwarders, port)
		go f.close(c.cfg.Drain)
	}
	c.lbs[name] = lb

	t := lb.targets.Load()
	verb := "Created"
	if exists {
		verb = "Updated (" + op + ")"
	}
	klog.InfoS(verb+" load balancer", "service", svc, "loadBalancer", name, "address", lb.addr,
		"ports", describePorts(lb), "nodes", t.nodes, "sourceRanges", describeRanges(t.allowed))
	return status(lb.addr), nil
}

// EnsureLoadBalancerDeleted closes the listeners, lets open connections
// drain, closes what is left, takes the address off the interface and frees it.
func (c *Cloud) EnsureLoadBalancerDeleted(_ context.Context, _ string, s *v1.Service) error {
	name := cloudprovider.DefaultLoadBalancerName(s)
	c.mu.Lock()
	lb, ok := c.lbs[name]
	if ok {
		delete(c.lbs, name)
	}
	left, isLeft := c.leftAddr(s)
	c.mu.Unlock()
	if !ok {
		if isLeft {
			if err := c.cfg.Addresses.Remove(left); err != nil {
				return fmt.Errorf("service %s: %w", serviceKey(s), err)
			}
			klog.InfoS("Deleted a load balancer an earlier run made", "service", serviceKey(s), "loadBalancer", name, "address", left)
			return nil
		}
		klog.InfoS("Load balancer already gone", "service", serviceKey(s), "loadBalancer", name)
		return nil
	}
	start := time.Now()
	if c.cfg.NAT != nil {
		if err := c.cfg.NAT.Remove(name); err != nil {
			c.mu.Lock()
			c.lbs[name] = lb
			c.mu.Unlock()
			return fmt.Errorf("service %s: %w", serviceKey(s), err)
		}
	}
	var wg sync.WaitGroup
	for _, f := range lb.forwarders {
		wg.Add(1)
		go func() { defer wg.Done(); f.close(c.cfg.Drain) }()
	}
	wg.Wait()
	if err := c.releaseAddr(lb); err != nil {
		// Keep it known so that the controller's retry removes the address.
		c.mu.Lock()
		lb.forwarders = map[int32]*forwarder{}
		c.lbs[name] = lb
		c.mu.Unlock()
		return err
	}
	klog.InfoS("Deleted load balancer", "service", serviceKey(s), "loadBalancer", name, "address", lb.addr, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (c *Cloud) releaseAddr(lb *loadBalancer) error {
	if err := c.cfg.Addresses.Remove(lb.addr); err != nil {
		return fmt.Errorf("service %s: %w", lb.service, err)
	}
	c.cfg.Pool.Release(lb.name)
	return nil
}

// sourceRanges are the Service's loadBalancerSourceRanges (or the older
// annotation); nil when everyone is allowed.
func sourceRanges(s *v1.Service) ([]netip.Prefix, error) {
	set, err := servicehelpers.GetLoadBalancerSourceRanges(s)
	if err != nil {
		return nil, err
	}
	if servicehelpers.IsAllowAll(set) {
		return nil, nil
	}
	var out []netip.Prefix
	for _, cidr := range set.StringSlice() {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// nodeAddrs are the InternalIPs of the ready nodes (of all nodes when none is
// ready), those of lbAddr's family first.
func nodeAddrs(nodes []*v1.Node, lbAddr netip.Addr) []netip.Addr {
	pick := func(readyOnly bool) []netip.Addr {
		var same, other []netip.Addr
		for _, n := range nodes {
			if readyOnly && !ready(n) {
				continue
			}
			var first netip.Addr
			found := false
			for _, a := range n.Status.Addresses {
				ip, err := netip.ParseAddr(a.Address)
				if a.Type != v1.NodeInternalIP || err != nil {
					continue
				}
				if ip.Is4() == lbAddr.Is4() {
					same = append(same, ip)
					found = true
					break
				}
				if !first.IsValid() {
					first = ip
				}
			}
			if !found && first.IsValid() {
				other = append(other, first)
			}
		}
		return append(same, other...)
	}
	if out := pick(true); len(out) > 0 {
		return out
	}
	return pick(false)
}

func ready(n *v1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func describePorts(lb *loadBalancer) string {
	ports := make([]int32, 0, len(lb.forwarders))
	for p := range lb.forwarders {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%d->%d", p, lb.forwarders[p].nodePort.Load())
	}
	return strings.Join(parts, ",")
}

func describeRanges(r []netip.Prefix) string {
	if r == nil {
		return "all"
	}
	s := make([]string, len(r))
	for i, p := range r {
		s[i] = p.String()
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}
