package localcloud

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Addresses puts load balancer addresses on the machine (the cloud's
// "network") and takes them off again.
type Addresses interface {
	Add(netip.Addr) error
	Remove(netip.Addr) error
}

// NoAddresses manages nothing: for addresses that are already local, such as
// 127.0.0.0/8 on Linux's loopback (tests).
type NoAddresses struct{}

func (NoAddresses) Add(netip.Addr) error    { return nil }
func (NoAddresses) Remove(netip.Addr) error { return nil }

// LinkAddresses puts each address, as a host address (/32 or /128), on one
// network interface through netlink, e.g. a dummy interface lb0 that the
// cluster script creates in the cluster's network namespace.
type LinkAddresses struct {
	Link string
}

func (l LinkAddresses) link() (netlink.Link, error) {
	link, err := netlink.LinkByName(l.Link)
	if err != nil {
		return nil, fmt.Errorf("load balancer interface %q: %w", l.Link, err)
	}
	return link, nil
}

func hostAddr(a netip.Addr) *netlink.Addr {
	ip := net.IP(a.AsSlice())
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: net.CIDRMask(a.BitLen(), a.BitLen())}}
	if a.Is6() {
		addr.Flags = unix.IFA_F_NODAD // usable at once, no duplicate address detection wait
	}
	return addr
}

// Add puts a on the interface (idempotent) and sets the interface up.
func (l LinkAddresses) Add(a netip.Addr) error {
	link, err := l.link()
	if err != nil {
		return err
	}
	if err := netlink.AddrReplace(link, hostAddr(a)); err != nil {
		return fmt.Errorf("adding %s to %s: %w", a, l.Link, err)
	}
	if link.Attrs().Flags&net.FlagUp == 0 {
		if err := netlink.LinkSetUp(link); err != nil {
			return fmt.Errorf("setting %s up: %w", l.Link, err)
		}
	}
	return nil
}

// Remove takes a off the interface; an address that is not there is no error.
func (l LinkAddresses) Remove(a netip.Addr) error {
	link, err := l.link()
	if err != nil {
		return err
	}
	if err := netlink.AddrDel(link, hostAddr(a)); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("removing %s from %s: %w", a, l.Link, err)
	}
	return nil
}

// RemoveAllIn takes every address of prefix off the interface: the leftovers
// of an earlier run of the controller, whose load balancers are gone with it.
func (l LinkAddresses) RemoveAllIn(prefix netip.Prefix) ([]netip.Addr, error) {
	link, err := l.link()
	if err != nil {
		return nil, err
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing addresses of %s: %w", l.Link, err)
	}
	var removed []netip.Addr
	for _, ad := range addrs {
		a, ok := netip.AddrFromSlice(ad.IP)
		if !ok || !prefix.Contains(a.Unmap()) {
			continue
		}
		if err := l.Remove(a.Unmap()); err != nil {
			return removed, err
		}
		removed = append(removed, a.Unmap())
	}
	return removed, nil
}
