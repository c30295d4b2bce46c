package localcloud

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/klog/v2"
)

// backends is what a load balancer forwards to: the node addresses (each
// connection goes to the next one, round robin) and the allowed client
// prefixes (nil: everyone).
type backends struct {
	nodes   []netip.Addr
	allowed []netip.Prefix
}

// forwarder listens on one address:port of a load balancer and copies each
// accepted connection to and from NODE:nodePort.
type forwarder struct {
	lb       string // load balancer name, for logs
	service  string // namespace/name, for logs
	listen   netip.AddrPort
	ln       net.Listener
	nodePort atomic.Int32
	targets  *atomic.Pointer[backends]
	next     *atomic.Uint64
	dial     time.Duration

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup // accept loop and connection handlers
}

func startForwarder(lbName, service string, listen netip.AddrPort, nodePort int32, targets *atomic.Pointer[backends], next *atomic.Uint64, dial time.Duration) (*forwarder, error) {
	ln, err := net.Listen("tcp", listen.String())
	if err != nil {
		return nil, err
	}
	f := &forwarder{lb: lbName, service: service, listen: listen, ln: ln, targets: targets, next: next, dial: dial, conns: map[net.Conn]struct{}{}}
	f.nodePort.Store(nodePort)
	f.wg.Add(1)
	go f.acceptLoop()
	return f, nil
}

func (f *forwarder) acceptLoop() {
	defer f.wg.Done()
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// e.g. EMFILE: back off a little and go on, as net/http does
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			klog.ErrorS(err, "Load balancer accept failed", "loadBalancer", f.lb, "listen", f.listen)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Add(1)
		go f.handle(c)
	}
}

// track registers a connection so that close can end it; false when the
// forwarder is already closed.
func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

func allowed(prefixes []netip.Prefix, remote net.Addr) bool {
	if prefixes == nil {
		return true
	}
	ta, ok := remote.(*net.TCPAddr)
	if !ok {
		return false
	}
	a := ta.AddrPort().Addr().Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (f *forwarder) handle(client net.Conn) {
	defer f.wg.Done()
	defer f.untrack(client)
	defer client.Close()

	t := f.targets.Load()
	if !allowed(t.allowed, client.RemoteAddr()) {
		klog.V(2).InfoS("Load balancer refused a client outside loadBalancerSourceRanges", "service", f.service, "listen", f.listen, "client", client.RemoteAddr())
		return
	}
	if len(t.nodes) == 0 {
		klog.InfoS("Load balancer has no node to forward to", "service", f.service, "listen", f.listen)
		return
	}
	node := t.nodes[f.next.Add(1)%uint64(len(t.nodes))]
	target := netip.AddrPortFrom(node, uint16(f.nodePort.Load()))
	backend, err := net.DialTimeout("tcp", target.String(), f.dial)
	if err != nil {
		klog.InfoS("Load balancer could not reach the node port", "service", f.service, "listen", f.listen, "target", target, "err", err)
		return
	}
	if !f.track(backend) {
		backend.Close()
		return
	}
	defer f.untrack(backend)
	defer backend.Close()
	klog.V(4).InfoS("Load balancer forwarding", "service", f.service, "client", client.RemoteAddr(), "listen", f.listen, "target", target)

	var copies sync.WaitGroup
	copies.Add(2)
	go pipe(&copies, backend, client)
	go pipe(&copies, client, backend)
	copies.Wait()
}

// pipe copies src to dst; at src's EOF it half-closes dst (so a client's
// shutdown(SHUT_WR) reaches the backend and the other direction goes on); on
// an error it closes both, which ends the other direction too.
func pipe(wg *sync.WaitGroup, dst, src net.Conn) {
	defer wg.Done()
	_, err := io.Copy(dst, src)
	if err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			if cw.CloseWrite() == nil {
				return
			}
		}
	}
	dst.Close()
	src.Close()
}

// close stops listening, waits up to drain for the open connections to end
// by themselves, then closes what is left and waits for the handlers.
func (f *forwarder) close(drain time.Duration) {
	f.ln.Close()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		return
	case <-time.After(drain):
	}
	f.mu.Lock()
	f.closed = true
	n := len(f.conns)
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	if n > 0 {
		klog.InfoS("Load balancer closed connections still open after the drain", "service", f.service, "listen", f.listen, "connections", n, "drain", drain)
	}
	<-done
}

// openConns is the number of tracked connections (client and backend sides).
func (f *forwarder) openConns() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}
