package localcloud

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Everything here runs on loopback: the pool is in 127.0.0.0/8, which Linux
// routes to lo as a whole, so its addresses can be bound without being added.

func TestPool(t *testing.T) {
	p, err := NewPool("198.18.200.0/30")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Allocate("a", netip.Addr{}, netip.Addr{})
	b, _ := p.Allocate("b", netip.Addr{}, netip.Addr{})
	if a.String() != "198.18.200.1" || b.String() != "198.18.200.2" {
		t.Fatalf("allocated %s, %s; want .1, .2 (network and broadcast skipped)", a, b)
	}
	if again, _ := p.Allocate("a", netip.Addr{}, netip.Addr{}); again != a {
		t.Fatalf("a again got %s, want its %s", again, a)
	}
	if _, err := p.Allocate("c", netip.Addr{}, netip.Addr{}); err == nil || !strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("third allocation of a /30: err %v, want exhausted", err)
	}
	p.Release("a")
	if c, _ := p.Allocate("c", netip.Addr{}, netip.Addr{}); c != a {
		t.Fatalf("after release got %s, want the freed %s", c, a)
	}
	if _, err := p.Allocate("d", netip.MustParseAddr("198.18.200.2"), netip.Addr{}); err == nil {
		t.Fatal("a required address held by b was given to d")
	}
	if _, err := p.Allocate("d", netip.MustParseAddr("198.18.201.1"), netip.Addr{}); err == nil {
		t.Fatal("a required address outside the pool was given")
	}
	p.Release("b")
	if d, err := p.Allocate("d", netip.Addr{}, netip.MustParseAddr("198.18.200.2")); err != nil || d.String() != "198.18.200.2" {
		t.Fatalf("preferred free address: got %s, %v", d, err)
	}
	if p.InUse() != 2 {
		t.Fatalf("in use %d, want 2", p.InUse())
	}
}

// echoServer echoes each connection until the client half-closes, then closes.
func echoServer(t *testing.T) (netip.AddrPort, *sync.WaitGroup) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), &wg
}

func node(name, ip string) *v1.Node {
	return &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: v1.NodeStatus{
			Addresses:  []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: ip}},
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}},
		},
	}
}

func service(uid, name string, port, nodePort int32) *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(uid)},
		Spec: v1.ServiceSpec{
			Type:  v1.ServiceTypeLoadBalancer,
			Ports: []v1.ServicePort{{Name: "tcp", Protocol: v1.ProtocolTCP, Port: port, NodePort: nodePort}},
		},
	}
}

type recordedAddresses struct {
	mu  sync.Mutex
	now map[netip.Addr]bool
}

func (r *recordedAddresses) Add(a netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now[a] = true
	return nil
}

func (r *recordedAddresses) Remove(a netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.now, a)
	return nil
}

func (r *recordedAddresses) has(a netip.Addr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now[a]
}

// roundTrip sends msg through addr, half-closes, and returns all it reads back.
func roundTrip(t *testing.T, addr string, msg []byte) ([]byte, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	c.(*net.TCPConn).CloseWrite()
	return io.ReadAll(c)
}

func ingress(t *testing.T, st *v1.LoadBalancerStatus) netip.Addr {
	t.Helper()
	if st == nil || len(st.Ingress) != 1 || st.Ingress[0].IPMode == nil || *st.Ingress[0].IPMode != v1.LoadBalancerIPModeProxy {
		t.Fatalf("status %+v: want one ingress with ipMode Proxy", st)
	}
	return netip.MustParseAddr(st.Ingress[0].IP)
}

func TestLoadBalancerLoopback(t *testing.T) {
	ctx := context.Background()
	echo, _ := echoServer(t)
	pool, err := NewPool("127.77.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	addrs := &recordedAddresses{now: map[netip.Addr]bool{}}
	cloud := New(Config{Pool: pool, Addresses: addrs, Drain: 300 * time.Millisecond})
	nodes := []*v1.Node{node("n1", "127.0.0.1")}
	const port = 18080

	svcA := service("11111111-aaaa-4000-8000-000000000001", "a", port, int32(echo.Port()))
	st, err := cloud.EnsureLoadBalancer(ctx, "kubernetes", svcA, nodes)
	if err != nil {
		t.Fatal(err)
	}
	addrA := ingress(t, st)
	if addrA.String() != "127.77.0.1" || !addrs.has(addrA) {
		t.Fatalf("a got %s (on interface: %v), want 127.77.0.1 put on the interface", addrA, addrs.has(addrA))
	}
	if st2, _ := cloud.EnsureLoadBalancer(ctx, "kubernetes", svcA, nodes); ingress(t, st2) != addrA {
		t.Fatal("second ensure changed the address")
	}
	lbA := netip.AddrPortFrom(addrA, port).String()

	// bytes both ways (896 KiB), then a half-close
	msg := bytes.Repeat([]byte("nginx-service "), 1<<16)
	got, err := roundTrip(t, lbA, msg)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("round trip through %s: %d of %d bytes back, err %v", lbA, len(got), len(msg), err)
	}
	t.Logf("forwarded %d bytes each way through %s to %s", len(msg), lbA, echo)

	if _, exists, _ := cloud.GetLoadBalancer(ctx, "kubernetes", svcA); !exists {
		t.Fatal("GetLoadBalancer: a does not exist")
	}

	// a second Service gets the next address
	svcB := service("22222222-bbbb-4000-8000-000000000002", "b", port, int32(echo.Port()))
	stB, err := cloud.EnsureLoadBalancer(ctx, "kubernetes", svcB, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if addrB := ingress(t, stB); addrB.String() != "127.77.0.2" {
		t.Fatalf("b got %s, want 127.77.0.2", addrB)
	}

	// UpdateLoadBalancer to a node that refuses: the forwarder follows it
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	svcA2 := svcA.DeepCopy()
	svcA2.Spec.Ports[0].NodePort = int32(deadPort)
	if err := cloud.UpdateLoadBalancer(ctx, "kubernetes", svcA2, nodes); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, lbA, []byte("x")); !closedWithNothing(got, err) {
		t.Fatalf("to a closed node port: got %q, %v; want the connection closed with nothing", got, err)
	}
	if err := cloud.UpdateLoadBalancer(ctx, "kubernetes", svcA, nodes); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, lbA, []byte("back")); err != nil || string(got) != "back" {
		t.Fatalf("after update back: got %q, %v", got, err)
	}

	// an open connection at delete: closed after the drain
	open, err := net.Dial("tcp", lbA)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	open.Write([]byte("ping"))
	buf := make([]byte, 4)
	open.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(open, buf); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := cloud.EnsureLoadBalancerDeleted(ctx, "kubernetes", svcA); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < 300*time.Millisecond || took > 2*time.Second {
		t.Fatalf("delete with an open connection took %s, want the 300ms drain", took)
	}
	open.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := open.Read(buf); err == nil {
		t.Fatalf("open connection still reads %d bytes after delete", n)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("open connection was not closed by the delete")
	}
	if _, err := net.DialTimeout("tcp", lbA, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s after delete: %v, want connection refused", lbA, err)
	}
	if addrs.has(addrA) {
		t.Fatalf("%s still on the interface", addrA)
	}
	if _, held := pool.Lookup(cloudLBName(svcA)); held || pool.InUse() != 1 {
		t.Fatalf("a's address still held (in use %d)", pool.InUse())
	}
	if _, exists, _ := cloud.GetLoadBalancer(ctx, "kubernetes", svcA); exists {
		t.Fatal("GetLoadBalancer: a still exists")
	}
	if err := cloud.EnsureLoadBalancerDeleted(ctx, "kubernetes", svcA); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	t.Logf("delete with one open connection took %s; %s refuses afterwards", took.Round(time.Millisecond), lbA)

	// the freed address is reused by the next Service
	svcC := service("33333333-cccc-4000-8000-000000000003", "c", port, int32(echo.Port()))
	svcC.Spec.LoadBalancerSourceRanges = []string{"198.18.0.0/15"} // loopback clients are outside
	stC, err := cloud.EnsureLoadBalancer(ctx, "kubernetes", svcC, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if addrC := ingress(t, stC); addrC != addrA {
		t.Fatalf("c got %s, want the freed %s", addrC, addrA)
	}
	if got, err := roundTrip(t, lbA, []byte("hello")); !closedWithNothing(got, err) {
		t.Fatalf("client outside loadBalancerSourceRanges: got %q, %v; want closed", got, err)
	}
	svcC.Spec.LoadBalancerSourceRanges = []string{"127.0.0.0/8"}
	if _, err := cloud.EnsureLoadBalancer(ctx, "kubernetes", svcC, nodes); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, lbA, []byte("hello")); err != nil || string(got) != "hello" {
		t.Fatalf("client inside loadBalancerSourceRanges: got %q, %v", got, err)
	}

	for _, s := range []*v1.Service{svcB, svcC} {
		if err := cloud.EnsureLoadBalancerDeleted(ctx, "kubernetes", s); err != nil {
			t.Fatal(err)
		}
	}
	if pool.InUse() != 0 || len(addrs.now) != 0 {
		t.Fatalf("after deleting all: %d addresses held, %d on the interface", pool.InUse(), len(addrs.now))
	}
}

// A controller restart loses the load balancers (the cloud keeps them in
// memory); the address the Service's status reports still identifies one, so
// the new run deletes it, but never an address another load balancer holds.
func TestRestartedCloudDeletesWhatAnEarlierRunMade(t *testing.T) {
	ctx := context.Background()
	echo, _ := echoServer(t)
	nodes := []*v1.Node{node("n1", "127.0.0.1")}
	addrs := &recordedAddresses{now: map[netip.Addr]bool{}} // the interface outlives the controller
	newCloud := func() *Cloud {
		pool, err := NewPool("127.78.0.0/24")
		if err != nil {
			t.Fatal(err)
		}
		return New(Config{Pool: pool, Addresses: addrs, Drain: 100 * time.Millisecond})
	}
	first := newCloud()
	svcA := service("22222222-aaaa-4000-8000-000000000001", "a", 18090, int32(echo.Port()))
	st, err := first.EnsureLoadBalancer(ctx, "kubernetes", svcA, nodes)
	if err != nil {
		t.Fatal(err)
	}
	svcA.Status.LoadBalancer = *st
	addrA := ingress(t, st)

	// The second run, before it has seen svcA: a load balancer of its own takes the lowest free
	// address, which is a's. Deleting a must then leave that address alone.
	second := newCloud()
	svcB := service("22222222-bbbb-4000-8000-000000000002", "b", 18091, int32(echo.Port()))
	stB, err := second.EnsureLoadBalancer(ctx, "kubernetes", svcB, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if ingress(t, stB) != addrA {
		t.Fatalf("b got %s, want the lowest address %s (the test's premise)", ingress(t, stB), addrA)
	}
	if _, exists, _ := second.GetLoadBalancer(ctx, "kubernetes", svcA); exists {
		t.Fatal("a's address is b's now, yet a's load balancer is reported to exist")
	}
	if err := second.EnsureLoadBalancerDeleted(ctx, "kubernetes", svcA); err != nil {
		t.Fatal(err)
	}
	if !addrs.has(addrA) {
		t.Fatalf("deleting a took %s, b's address, off the interface", addrA)
	}
	if err := second.EnsureLoadBalancerDeleted(ctx, "kubernetes", svcB); err != nil || addrs.has(addrA) {
		t.Fatalf("deleting b: err %v, address still on the interface: %v", err, addrs.has(addrA))
	}

	// A third run that holds nothing: a's load balancer exists by its address, and deleting it takes
	// the address off the interface.
	if err := addrs.Add(addrA); err != nil {
		t.Fatal(err)
	}
	third := newCloud()
	got, exists, err := third.GetLoadBalancer(ctx, "kubernetes", svcA)
	if err != nil || !exists || ingress(t, got) != addrA {
		t.Fatalf("third run: GetLoadBalancer(a) = %+v, %v, %v; want %s, true", got, exists, err, addrA)
	}
	if err := third.EnsureLoadBalancerDeleted(ctx, "kubernetes", svcA); err != nil {
		t.Fatal(err)
	}
	if addrs.has(addrA) {
		t.Fatalf("a's address %s is still on the interface after the third run deleted a", addrA)
	}
}

// closedWithNothing: the forwarder closed the connection without data (a
// reset when it closed with the client's bytes unread).
func closedWithNothing(got []byte, err error) bool {
	return len(got) == 0 && (err == nil || errors.Is(err, syscall.ECONNRESET))
}

func cloudLBName(s *v1.Service) string {
	return (&Cloud{}).GetLoadBalancerName(context.Background(), "", s)
}

// TestLinkAddresses needs root and an interface to hold the addresses; run
// it inside a network namespace of its own, e.g. (this machine's kernel has
// no dummy driver; a bridge without ports does the job)
//
//	unshare -n sh -c 'ip link set lo up && ip link add lb0 type bridge && LOCALCLOUD_TEST_LINK=lb0 ./localcloud.test -test.run LinkAddresses -test.v'
func TestLinkAddresses(t *testing.T) {
	link := os.Getenv("LOCALCLOUD_TEST_LINK")
	if link == "" {
		t.Skip("LOCALCLOUD_TEST_LINK not set")
	}
	la := LinkAddresses{Link: link}
	a := netip.MustParseAddr("198.18.200.1")
	show := func() string {
		out, _ := exec.Command("ip", "-o", "addr", "show", "dev", link).CombinedOutput()
		return string(out)
	}
	if err := la.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := la.Add(a); err != nil {
		t.Fatalf("second add: %v", err)
	}
	if !strings.Contains(show(), "198.18.200.1/32") {
		t.Fatalf("not added: %s", show())
	}
	ln, err := net.Listen("tcp", "198.18.200.1:0")
	if err != nil {
		t.Fatalf("listen on the added address: %v", err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	if got, err := roundTrip(t, ln.Addr().String(), []byte("x")); err != nil || string(got) != "ok" {
		t.Fatalf("connect to the added address: %q, %v", got, err)
	}
	ln.Close()
	if err := la.Remove(a); err != nil {
		t.Fatal(err)
	}
	if err := la.Remove(a); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if strings.Contains(show(), "198.18.200.1") {
		t.Fatalf("not removed: %s", show())
	}
	la.Add(a)
	la.Add(netip.MustParseAddr("198.18.200.7"))
	removed, err := la.RemoveAllIn(netip.MustParsePrefix("198.18.200.0/24"))
	if err != nil || len(removed) != 2 || strings.Contains(show(), "198.18.200.") {
		t.Fatalf("RemoveAllIn: %v, %v; left: %s", removed, err, show())
	}
	t.Logf("netlink add/remove on %s ok", link)
}

func TestNATRules(t *testing.T) {
	var applied []string
	healthy := map[netip.Addr]bool{netip.MustParseAddr("198.18.0.11"): true, netip.MustParseAddr("198.18.0.13"): true}
	n := &NAT{
		Apply:    func(rules string) error { applied = append(applied, rules); return nil },
		Healthy:  func(node netip.Addr, port int32) bool { return port == 32000 && healthy[node] },
		Interval: time.Hour,
	}
	nodes := []netip.Addr{netip.MustParseAddr("198.18.0.11"), netip.MustParseAddr("198.18.0.12"), netip.MustParseAddr("198.18.0.13")}
	addr := netip.MustParseAddr("198.18.200.1")
	if err := n.Set("a", "ns/cluster", addr, map[int32]int32{443: 30443}, nodes, nil, 0); err != nil {
		t.Fatal(err)
	}
	want := "*nat\n:NGINX-SERVICE-LB - [0:0]\n" +
		"-A NGINX-SERVICE-LB -d 198.18.200.1/32 -p tcp -m tcp --dport 443 -m statistic --mode random --probability 0.333333 -j DNAT --to-destination 198.18.0.11:30443\n" +
		"-A NGINX-SERVICE-LB -d 198.18.200.1/32 -p tcp -m tcp --dport 443 -m statistic --mode random --probability 0.500000 -j DNAT --to-destination 198.18.0.12:30443\n" +
		"-A NGINX-SERVICE-LB -d 198.18.200.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 198.18.0.13:30443\n" +
		"COMMIT\n"
	if got := applied[len(applied)-1]; got != want {
		t.Fatalf("every node, no health check:\n%s\nwant:\n%s", got, want)
	}
	// externalTrafficPolicy Local: only the nodes whose health check answers, and from the allowed range only.
	local := netip.MustParseAddr("198.18.200.2")
	if err := n.Set("b", "ns/local", local, map[int32]int32{443: 30444}, nodes, []netip.Prefix{netip.MustParsePrefix("198.18.100.0/24")}, 32000); err != nil {
		t.Fatal(err)
	}
	got := applied[len(applied)-1]
	for _, line := range []string{
		"-A NGINX-SERVICE-LB -d 198.18.200.2/32 -s 198.18.100.0/24 -p tcp -m tcp --dport 443 -m statistic --mode random --probability 0.500000 -j DNAT --to-destination 198.18.0.11:30444\n",
		"-A NGINX-SERVICE-LB -d 198.18.200.2/32 -s 198.18.100.0/24 -p tcp -m tcp --dport 443 -j DNAT --to-destination 198.18.0.13:30444\n",
	} {
		if !strings.Contains(got, line) {
			t.Fatalf("missing %q in:\n%s", line, got)
		}
	}
	if strings.Contains(got, "198.18.0.12:30444") {
		t.Fatalf("an unhealthy node gets connections:\n%s", got)
	}
	// No healthy node: every node (fail open), as before any health check answered.
	healthy = map[netip.Addr]bool{}
	if err := n.Set("b", "ns/local", local, map[int32]int32{443: 30444}, nodes, nil, 32000); err != nil {
		t.Fatal(err)
	}
	got = applied[len(applied)-1]
	for _, node := range nodes {
		if !strings.Contains(got, node.String()+":30444") {
			t.Fatalf("no healthy node, yet %s is left out:\n%s", node, got)
		}
	}
	if err := n.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if err := n.Remove("b"); err != nil {
		t.Fatal(err)
	}
	if got := applied[len(applied)-1]; got != "*nat\n:NGINX-SERVICE-LB - [0:0]\nCOMMIT\n" {
		t.Fatalf("after removing both:\n%s", got)
	}
}
