package localcloud

import (
	"fmt"
	"net/netip"
	"sync"
)

// Pool hands out addresses of one prefix, one per key (a load balancer's
// name, which is derived from the Service's UID). An address stays with its
// key until Release, after which it is free for the next Allocate. The lowest
// free address is taken, so a fresh pool allocates in a predictable order.
type Pool struct {
	prefix      netip.Prefix
	first, last netip.Addr

	mu    sync.Mutex
	byKey map[string]netip.Addr
	owner map[netip.Addr]string
}

// NewPool parses a CIDR such as 198.18.200.0/24. For IPv4 prefixes shorter
// than /31 the network and broadcast addresses are not handed out.
func NewPool(cidr string) (*Pool, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("load balancer pool %q: %w", cidr, err)
	}
	p = p.Masked()
	first, last := p.Addr(), lastAddr(p)
	if p.Addr().Is4() && p.Bits() < 31 {
		first, last = first.Next(), last.Prev()
	}
	if !first.IsValid() || !last.IsValid() || last.Less(first) {
		return nil, fmt.Errorf("load balancer pool %q has no usable address", cidr)
	}
	return &Pool{prefix: p, first: first, last: last, byKey: map[string]netip.Addr{}, owner: map[netip.Addr]string{}}, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Prefix is the pool's prefix.
func (p *Pool) Prefix() netip.Prefix { return p.prefix }

// Contains reports whether a is an address the pool hands out.
func (p *Pool) Contains(a netip.Addr) bool {
	return a.IsValid() && p.prefix.Contains(a) && !a.Less(p.first) && !p.last.Less(a)
}

// Lookup returns the address held by key.
func (p *Pool) Lookup(key string) (netip.Addr, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.byKey[key]
	return a, ok
}

// Allocate returns the address key holds, or gives it one. required, when
// valid, is the only address acceptable (a Service's spec.loadBalancerIP):
// it must be in the pool and not held by another key. preferred, when valid,
// in the pool and free, is taken before the lowest free address (the address
// a Service's status already reports, so that a restart of the controller
// keeps it).
func (p *Pool) Allocate(key string, required, preferred netip.Addr) (netip.Addr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byKey[key]; ok {
		if required.IsValid() && required != a {
			return netip.Addr{}, fmt.Errorf("holds %s, cannot change to the requested %s", a, required)
		}
		return a, nil
	}
	if required.IsValid() {
		if !p.Contains(required) {
			return netip.Addr{}, fmt.Errorf("requested address %s is not in the pool %s", required, p.prefix)
		}
		if other, taken := p.owner[required]; taken {
			return netip.Addr{}, fmt.Errorf("requested address %s is held by load balancer %s", required, other)
		}
		p.take(key, required)
		return required, nil
	}
	if p.Contains(preferred) {
		if _, taken := p.owner[preferred]; !taken {
			p.take(key, preferred)
			return preferred, nil
		}
	}
	for a := p.first; ; a = a.Next() {
		if _, taken := p.owner[a]; !taken {
			p.take(key, a)
			return a, nil
		}
		if a == p.last {
			break
		}
	}
	return netip.Addr{}, fmt.Errorf("load balancer pool %s is exhausted (%d addresses in use)", p.prefix, len(p.owner))
}

func (p *Pool) take(key string, a netip.Addr) {
	p.byKey[key] = a
	p.owner[a] = key
}

// Release frees the address key holds, if any, and returns it.
func (p *Pool) Release(key string) (netip.Addr, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.byKey[key]
	if ok {
		delete(p.byKey, key)
		delete(p.owner, a)
	}
	return a, ok
}

// Holder returns the key that holds a, if any.
func (p *Pool) Holder(a netip.Addr) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key, ok := p.owner[a]
	return key, ok
}

// InUse is the number of addresses held.
func (p *Pool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.owner)
}
