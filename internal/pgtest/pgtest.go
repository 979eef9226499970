// Package pgtest starts throw-away PostgreSQL clusters for tests and benchmarks: initdb into a
// temporary directory, a server on a free loopback port, and a clean stop afterwards. It uses the
// Debian packages' binaries (/usr/lib/postgresql/*/bin, or initdb and pg_ctl on PATH). When the
// test runs as root (CI), the server runs as the postgres user, since initdb refuses root.
//
// Without PostgreSQL installed the caller is skipped with a clear message, unless
// USERDESK_REQUIRE_POSTGRES=1 (CI), where it fails instead.
//
//	func TestX(t *testing.T) {
//		c := pgtest.Start(t)           // stopped and removed when the test ends
//		url := c.CreateDatabase(t)     // a fresh database of its own
//		...
//	}
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// RequireEnv is the environment variable that turns a missing PostgreSQL into a failure.
const RequireEnv = "USERDESK_REQUIRE_POSTGRES"

// Options tune a cluster.
type Options struct {
	// Durable keeps PostgreSQL's default durability (fsync, synchronous commit, full page
	// writes) and a 128 MB buffer cache, for benchmarks whose figures must mean something. Tests
	// leave it off: a throw-away cluster needs no crash safety, and runs faster without.
	Durable bool
}

// Cluster is a running throw-away PostgreSQL server.
type Cluster struct {
	dir     string // temporary directory: data/, the socket, the log
	bin     string // directory of initdb, pg_ctl, postgres
	port    int
	runAs   string // "postgres" when started by root, "" otherwise
	opts    Options
	stopped atomic.Bool
	dbs     atomic.Int64 // databases created, for unique names
}

// Start starts a cluster for tb and stops and removes it when tb ends. It skips tb when
// PostgreSQL is not installed (fails under USERDESK_REQUIRE_POSTGRES=1).
func Start(tb testing.TB) *Cluster { return StartWith(tb, Options{}) }

// StartWith is Start with options.
func StartWith(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	c, err := start(opts)
	if errors.Is(err, errAbsent) {
		absent(tb, err)
	}
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(c.Close)
	return c
}

// errAbsent is returned when no PostgreSQL binaries are found.
var errAbsent = errors.New("PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH; apt-get install postgresql)")

func absent(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("pgtest: %v, and %s=1", err, RequireEnv)
	}
	tb.Skipf("pgtest: %v; skipping (set %s=1 to make this a failure)", err, RequireEnv)
}

// Shared is one cluster shared by the tests of a package: started by the first test that asks
// for a database, stopped by Close (call it from TestMain after m.Run).
type Shared struct {
	Options Options
	once    sync.Once
	c       *Cluster
	err     error
}

// Database returns the URL of a fresh database on the shared cluster, starting the cluster on
// first use. It skips tb when PostgreSQL is not installed (fails under
// USERDESK_REQUIRE_POSTGRES=1).
func (s *Shared) Database(tb testing.TB) string {
	tb.Helper()
	s.once.Do(func() { s.c, s.err = start(s.Options) })
	if errors.Is(s.err, errAbsent) {
		absent(tb, s.err)
	}
	if s.err != nil {
		tb.Fatalf("pgtest: %v", s.err)
	}
	return s.c.CreateDatabase(tb)
}

// Close stops the shared cluster, if it was started.
func (s *Shared) Close() {
	if s.c != nil {
		s.c.Close()
	}
}

// binDir finds the newest PostgreSQL's binaries.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			d := filepath.Dir(real)
			if isExec(filepath.Join(d, "pg_ctl")) {
				return d, nil
			}
		}
	}
	return "", errAbsent
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// start creates and starts a cluster.
func start(opts Options) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	c := &Cluster{dir: dir, bin: bin, opts: opts}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root: hand the directory to the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("chown %s: %w", dir, err)
		}
		c.runAs = "postgres"
	}
	if out, err := c.run("initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-instructions"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A free port can be taken between picking it and the server binding it (other packages'
	// tests start clusters too): try a few.
	for try := 0; ; try++ {
		c.port, err = freePort()
		if err == nil {
			err = c.Restart()
		}
		if err == nil {
			return c, nil
		}
		if try == 3 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

// run runs one of the cluster's binaries (as the postgres user when root) and returns its
// combined output.
func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// Restart starts the server again after Stop, on the same port with the same data (Start has
// already started it once).
func (c *Cluster) Restart() error {
	settings := []string{
		"-p", strconv.Itoa(c.port),
		"-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=100",
	}
	if c.opts.Durable {
		settings = append(settings, "-c", "shared_buffers=128MB")
	} else {
		settings = append(settings, "-c", "shared_buffers=32MB", "-c", "fsync=off",
			"-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	out, err := c.run("pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.dir, "server.log"),
		"-o", strings.Join(settings, " "), "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	c.stopped.Store(false)
	return nil
}

// Stop stops the server (fast shutdown: clients are disconnected) and keeps its data, so that
// Restart can bring it back: tests of an unreachable database use it.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	c.stopped.Store(true)
	return nil
}

// Close stops the server and removes its directory.
func (c *Cluster) Close() {
	if !c.stopped.Load() {
		_, _ = c.run("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "-t", "30", "stop")
		c.stopped.Store(true)
	}
	_ = os.RemoveAll(c.dir)
}

// Port is the server's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// URL is the connection URL of database db (user postgres, no password: the cluster trusts
// loopback connections).
func (c *Cluster) URL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// CreateDatabase creates a new, empty database and returns its URL.
func (c *Cluster) CreateDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("test_%d", c.dbs.Add(1))
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	return c.URL(name)
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
