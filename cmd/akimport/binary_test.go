package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

const simToken = "sim-token-7c1e9a4b2d"

// The akimport binary, built once per test run for the tests that kill or signal a process.
var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// akimportBinary builds cmd/akimport (without -race: the process is the object under test,
// not the race detector's) and returns its path. Tests that need it are skipped with -short.
func akimportBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the akimport binary; skipped with -short")
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "akimport-test-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "akimport")
		out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// simServer is the simulator behind httptest, wrapped by a handler the test controls.
type simServer struct {
	sim *authentiktest.Server
	srv *httptest.Server
}

func startSim(t *testing.T, opts authentiktest.Options, wrap func(http.Handler) http.Handler) *simServer {
	t.Helper()
	if opts.Token == "" {
		opts.Token = simToken
	}
	sim, err := authentiktest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &simServer{sim: sim, srv: srv}
}

// newTLSServer serves h over TLS with a certificate nobody trusts.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// simpleUsersCSV makes n rows username,name,email: p0000, p0001, …
func simpleUsersCSV(n int, prefix string) string {
	var b strings.Builder
	b.WriteString("username,name,email\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%04d,User %d,%s%04d@example.com\n", prefix, i, i, prefix, i)
	}
	return b.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// process is a running akimport binary.
type process struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAkimport runs the binary with the simulator's URL and token in its environment.
func startAkimport(t *testing.T, url string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(akimportBinary(t), args...)
	cmd.Env = []string{"AUTHENTIK_URL=" + url, "AUTHENTIK_TOKEN=" + simToken, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	p := &process{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout = io.Discard
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait returns the exit code, failing the test if the process does not end in time.
func (p *process) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("akimport did not end within %v; stderr:\n%s", within, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// runAkimport runs the binary to its end and returns the exit code.
func runAkimport(t *testing.T, url string, args ...string) (int, string) {
	t.Helper()
	p := startAkimport(t, url, args...)
	code := p.wait(t, 2*time.Minute)
	return code, p.stderr.String()
}

// waitFor waits until cond holds, failing the test if the process ends or the deadline passes.
func waitFor(t *testing.T, p *process, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("akimport ended (%v) before %s; stderr:\n%s", p.err, what, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s; stderr:\n%s", within, what, p.stderr)
		}
	}
}

// waitForLines waits until the file at path has at least n complete lines, or the process
// ended, or the deadline passed.
func waitForLines(t *testing.T, p *process, path string, n int, within time.Duration) {
	t.Helper()
	waitFor(t, p, within, fmt.Sprintf("the report has %d lines", n), func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Count(b, []byte{'\n'}) >= n
	})
}

// readReportFile reads a report, failing the test on error.
func readReportFile(t *testing.T, path string) []report.Result {
	t.Helper()
	var rows []report.Result
	if err := report.ReadFile(path, func(r report.Result) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	return rows
}

// checkEveryLineOnce checks that the report covers lines 2..rows+1 once each, all created,
// and that the simulator created each of those users exactly once and no one else.
func checkEveryLineOnce(t *testing.T, s *simServer, rows []report.Result, n int, prefix string) {
	t.Helper()
	seen := make(map[int]bool, n)
	for _, r := range rows {
		if r.Line < 2 || r.Line > n+1 {
			t.Errorf("report line %d is not an input line: %+v", r.Line, r)
			continue
		}
		if seen[r.Line] {
			t.Errorf("line %d is reported twice", r.Line)
		}
		seen[r.Line] = true
		if r.Status != report.StatusCreated {
			t.Errorf("line %d: status %s (%s), want created", r.Line, r.Status, r.Error)
		}
	}
	if len(seen) != n {
		t.Errorf("the report covers %d lines, want %d", len(seen), n)
	}
	if got := len(s.sim.Users()); got != n {
		t.Errorf("the simulator holds %d users, want %d", got, n)
	}
	for i := range n {
		u := fmt.Sprintf("%s%04d", prefix, i)
		if c := s.sim.CreateCount(u); c != 1 {
			t.Errorf("%s was created %d times, want 1", u, c)
		}
		if c := s.sim.PostCount(u); c != 1 {
			t.Errorf("%s: %d create requests reached authentik, want 1", u, c)
		}
	}
	if d := s.sim.Stats().DuplicateUsernameAttempts; d != 0 {
		t.Errorf("%d duplicate-username create attempts, want 0: a user in flight at a crash must be looked up, not created again", d)
	}
}

// isCreate tells the create route.
func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v3/core/users/"
}

// holdCreates lets the first `after` creates through; every later one is held without an
// answer until the client goes away (or the test ends). Every second held create is carried
// out first: its answer is lost with the process, as in a crash mid-request. Open lets
// everything through again.
type holdCreates struct {
	next    http.Handler
	after   int64
	n       atomic.Int64
	open    atomic.Bool
	release chan struct{}
}

func newHoldCreates(t *testing.T, after int64) (*holdCreates, func(http.Handler) http.Handler) {
	h := &holdCreates{after: after, release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) }) // runs before the server's Close (LIFO)
	return h, func(next http.Handler) http.Handler { h.next = next; return h }
}

func (h *holdCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.open.Load() || !isCreate(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	k := h.n.Add(1)
	if k <= h.after {
		h.next.ServeHTTP(w, r)
		return
	}
	if k%2 == 0 {
		h.next.ServeHTTP(httptest.NewRecorder(), r) // acted; the answer goes nowhere
	}
	// The server notices a closed client only once the body has been read.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-h.release:
	}
}

// slowCreatesAfter delays every create after the first `after` by d, so a run cannot end
// before the test has signalled it.
type slowCreates struct {
	next  http.Handler
	after int64
	delay time.Duration
	n     atomic.Int64
	off   atomic.Bool
}

func (s *slowCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isCreate(r) && !s.off.Load() && s.n.Add(1) > s.after {
		t := time.NewTimer(s.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.next.ServeHTTP(w, r)
}

// contextWithTimeout is a test context bounded by d.
func contextWithTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
