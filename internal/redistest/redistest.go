// Package redistest runs a real redis-server (Debian's package) for tests: on a free loopback
// port, in a temporary directory, without persistence, stopped when the test ends.
//
//	srv := redistest.Start(t)          // skips when redis-server is absent, unless USERDESK_REQUIRE_REDIS=1
//	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
//
// Fault tests stop it (Stop), bring it back with its data (Start again, only with Persist) or
// empty (Restart), on the same port, so that clients reconnect by themselves.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv names the variable that turns a missing redis-server into a failure.
const RequireEnv = "USERDESK_REQUIRE_REDIS"

// Options configures a Server.
type Options struct {
	// Persist keeps the data across Stop and Start (an append-only file in the temporary
	// directory). Off by default: a restarted server is empty.
	Persist bool
	// Password, when set, is required of every client (requirepass: the default user's).
	Password string
	// ACLUser and ACLPassword, when set, add an ACL user with every right, for URL tests.
	ACLUser, ACLPassword string
}

// Server is one redis-server process that a test owns.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	opts Options

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited <-chan error // receives the running process's exit
}

// Start starts a redis-server for the test and stops it at the end of the test. It skips the
// test with a clear message when redis-server is not installed, unless USERDESK_REQUIRE_REDIS=1,
// when it fails instead.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not installed (Debian: apt-get install redis-server); the Redis tests need a real one"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s, and %s=1", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	if len(opts) > 0 {
		s.opts = opts[0]
	}
	s.port = freePort(t)
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is a redis:// URL of the server (with the default user's password, if any), database db.
func (s *Server) URL(db int) string {
	auth := ""
	if s.opts.Password != "" {
		auth = ":" + s.opts.Password + "@"
	}
	return fmt.Sprintf("redis://%s%s/%d", auth, s.Addr(), db)
}

// Stop stops the server (a no-op when it is stopped). Without Persist its data is gone.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd, s.exited = nil, nil
}

// Start starts the stopped server again on the same port (with its data when Persist).
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
}

// Restart stops the server and starts it again empty, on the same port, whatever Persist says.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	_ = os.RemoveAll(filepath.Join(s.dir, "appendonlydir"))
	s.Start()
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	conf := []string{
		"bind 127.0.0.1",
		"port " + strconv.Itoa(s.port),
		"dir " + s.dir,
		"save \"\"",
		"daemonize no",
		"protected-mode yes",
		"loglevel warning",
		"logfile " + filepath.Join(s.dir, "redis.log"),
	}
	if s.opts.Persist {
		conf = append(conf, "appendonly yes", "appendfsync always")
	} else {
		conf = append(conf, "appendonly no")
	}
	if s.opts.Password != "" {
		conf = append(conf, "requirepass "+s.opts.Password)
	}
	if s.opts.ACLUser != "" {
		conf = append(conf, fmt.Sprintf("user %s on >%s ~* &* +@all", s.opts.ACLUser, s.opts.ACLPassword))
	}
	path := filepath.Join(s.dir, "redis.conf")
	if err := os.WriteFile(path, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	var lastErr error
	for range 3 { // the port was free a moment ago; another process may take it meanwhile
		cmd := exec.Command(s.bin, path)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start redis-server: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if lastErr = waitReady(s.Addr(), s.opts.Password, exited); lastErr == nil {
			s.cmd, s.exited = cmd, exited // cmd.Wait runs in the goroutine above
			return nil
		}
		_ = cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
		lastErr = fmt.Errorf("%w; log: %s", lastErr, strings.TrimSpace(string(log)))
	}
	return lastErr
}

// waitReady pings the server until it answers PONG (or NOAUTH when a password is set).
func waitReady(addr, password string, exited <-chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited: %v", err)
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(time.Second))
			cmd := "PING\r\n"
			if password != "" {
				cmd = fmt.Sprintf("AUTH %s\r\nPING\r\n", password)
			}
			_, _ = conn.Write([]byte(cmd))
			line, rerr := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if rerr == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "+OK")) {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("redis-server did not answer within 10 s")
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
