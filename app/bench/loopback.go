package bench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrNotLoopback is returned (wrapped) when a target is not on this
// machine. A load generator pointed at someone else's server is an attack,
// so only loopback addresses are ever accepted.
var ErrNotLoopback = errors.New("bench: target is not a loopback address (only 127.0.0.0/8, ::1 and localhost are allowed)")

// checkTarget parses base and accepts it only if its host is a loopback IP
// literal or the name localhost. It resolves nothing: a name that merely
// points at 127.0.0.1 today (a DNS trick, a hosts file) is refused, and the
// dialer checks every resolved address again anyway.
func checkTarget(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bench: target URL %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bench: target URL %q: scheme must be http or https", base)
	}
	if u.User != nil {
		return nil, fmt.Errorf("bench: target URL %q: credentials in the URL are not supported (use the API key)", base)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("bench: target URL %q: no host", base)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("%w: %q", ErrNotLoopback, host)
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	// Unmap so ::ffff:127.0.0.1 counts and ::ffff:10.0.0.1 does not.
	return a.Unmap().IsLoopback()
}

// refuseNonLoopback is a net.Dialer Control hook: it runs after name
// resolution and before connect(2), so even if "localhost" resolved to a
// routable address no packet would leave the machine.
func refuseNonLoopback(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("bench: dial %s %q: %w", network, address, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().IsLoopback() {
		return fmt.Errorf("%w: dial %s %s", ErrNotLoopback, network, address)
	}
	return nil
}
