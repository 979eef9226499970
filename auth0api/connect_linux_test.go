//go:build linux

package auth0api_test

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"userdesk/auth0api"
)

// fullListener returns the address of a listener whose accept queue is full,
// so a new connection's SYN goes unanswered and only a connect timeout ends
// the dial (a local stand-in for an unroutable address).
func fullListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skipf("listen: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Skipf("getsockname: %v", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	for range 16 {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr // the queue is full
		}
		t.Cleanup(func() { conn.Close() })
	}
	t.Skip("could not fill the accept queue")
	return ""
}

func TestConnectTimeout(t *testing.T) {
	addr := fullListener(t)
	c := newClient(t, "http://"+addr, func(cfg *auth0api.Config) { cfg.ConnectTimeout = 150 * time.Millisecond })
	done := make(chan error, 1)
	go func() { done <- c.DeleteUser(t.Context(), caseUserID) }()
	select {
	case err := <-done:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("error %v, want a dial timeout", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the dial did not give up")
	}
}
