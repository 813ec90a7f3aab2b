package certs

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// The permission case cannot be provoked reliably (tests may run as root, or
// with unprivileged ports opened up), so the message is checked on the error
// net.Listen returns for it.
func TestBindErrorMessage(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", errno)}
	}
	for _, tt := range []struct {
		addr, setting string
		err           error
		want          string
	}{
		{":443", tlsAddrSetting, opErr(syscall.EACCES),
			"certs: listen :443: permission denied (run as root, grant CAP_NET_BIND_SERVICE, or set FOOTFALL_TLS_ADDR)"},
		{":80", httpAddrSetting, opErr(syscall.EPERM),
			"certs: listen :80: permission denied (run as root, grant CAP_NET_BIND_SERVICE, or set FOOTFALL_ACME_HTTP_ADDR)"},
		{":80", httpAddrSetting, opErr(syscall.EADDRINUSE),
			"certs: listen :80: address already in use (stop the other server on it, or set FOOTFALL_ACME_HTTP_ADDR)"},
		{"nowhere:443", tlsAddrSetting, errors.New("lookup nowhere: no such host"),
			"certs: listen nowhere:443: lookup nowhere: no such host"},
	} {
		err := &bindError{addr: tt.addr, hint: bindHint(tt.err, tt.setting), err: tt.err}
		if got := err.Error(); got != tt.want {
			t.Errorf("bindError(%s, %v) = %q, want %q", tt.addr, tt.err, got, tt.want)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("bindError(%s, %v) does not wrap the cause", tt.addr, tt.err)
		}
	}
}

func TestListenBadAddress(t *testing.T) {
	_, err := listen("127.0.0.1:http-nope", tlsAddrSetting)
	var be *bindError
	if !errors.As(err, &be) || be.hint != "" {
		t.Fatalf("listen(bad port) = %v, want a bindError without hint", err)
	}
	if want := fmt.Sprintf("certs: listen 127.0.0.1:http-nope: %v", be.err); err.Error() != want {
		t.Errorf("listen(bad port) = %q, want %q", err, want)
	}
}
