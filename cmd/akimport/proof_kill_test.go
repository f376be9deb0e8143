package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Helpers of issue 15's process-level acceptance tests.

// holdRequest holds the requests match picks (the first only, unless every) without an
// answer until the client goes away: the process is killed meanwhile. With act, authentik
// carries each held request out first, and its answer is lost with the process.
type holdRequest struct {
	next  http.Handler
	match func(r *http.Request, body []byte) bool
	act   bool
	every bool

	held    atomic.Int64
	once    sync.Once
	heldOne chan struct{} // closed at the first hold
	open    atomic.Bool   // let everything through
}

func newHoldRequest(match func(r *http.Request, body []byte) bool, act, every bool) (*holdRequest, func(http.Handler) http.Handler) {
	h := &holdRequest{match: match, act: act, every: every, heldOne: make(chan struct{})}
	return h, func(next http.Handler) http.Handler { h.next = next; return h }
}

func (h *holdRequest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if h.open.Load() || !h.match(r, body) || (!h.every && h.held.Load() > 0) {
		h.next.ServeHTTP(w, r)
		return
	}
	h.held.Add(1)
	if h.act {
		h.next.ServeHTTP(httptest.NewRecorder(), r)
	}
	h.once.Do(func() { close(h.heldOne) })
	<-r.Context().Done()
}

// createOf matches the create of username.
func createOf(username string) func(r *http.Request, body []byte) bool {
	return func(r *http.Request, body []byte) bool {
		var u struct {
			Username string `json:"username"`
		}
		return isCreate(r) && json.Unmarshal(body, &u) == nil && u.Username == username
	}
}

func anyCreate(r *http.Request, _ []byte) bool { return isCreate(r) }

func isPatch(r *http.Request, _ []byte) bool { return r.Method == http.MethodPatch }

func isDeactivation(r *http.Request, body []byte) bool {
	return r.Method == http.MethodPatch && bytes.Contains(body, []byte(`"is_active":false`))
}

func isSetPassword(r *http.Request, _ []byte) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/set_password/")
}

func kPrePassword(u string) string { return "orig-" + u + "-Xq7!" }
func kRowPassword(u string) string { return "file-" + u + "-Zr4!" }

// killSeed returns the users pre0…pre<n-1> that exist before the run, with their own
// passwords, in users/staff.
func killSeed(n int, extra ...authentiktest.SeedUser) []authentiktest.SeedUser {
	var seed []authentiktest.SeedUser
	for i := range n {
		u := fmt.Sprintf("pre%d", i)
		seed = append(seed, authentiktest.SeedUser{User: authentik.User{Username: u, Name: "Pre " + u,
			Email: u + "@example.com", IsActive: true, Path: "users/staff"}, Password: kPrePassword(u)})
	}
	return append(seed, extra...)
}

// killCSV lists pre0…pre<nPre-1> with their own fields (renamed: the names of those given)
// and new0…new<nNew-1>, each row with a password.
func killCSV(nPre, nNew int, renamed ...string) string {
	var b strings.Builder
	b.WriteString("username,name,email,path,password\n")
	for i := range max(nPre, nNew) {
		if i < nPre {
			u := fmt.Sprintf("pre%d", i)
			name := "Pre " + u
			for _, r := range renamed {
				if r == u {
					name = "Renamed " + u
				}
			}
			fmt.Fprintf(&b, "%s,%s,%s@example.com,users/staff,%s\n", u, name, u, kRowPassword(u))
		}
		if i < nNew {
			u := fmt.Sprintf("new%d", i)
			fmt.Fprintf(&b, "%s,New %s,%s@example.com,users/staff,%s\n", u, u, u, kRowPassword(u))
		}
	}
	return b.String()
}

// checkProof checks the final state after a run and its resumes: each input line reported
// once; no pre-existing user created, given the row's password, a hash, an e-mail or
// deleted, and its own password still works; each new user created once, with its password.
func checkProof(t *testing.T, s *simServer, rows []report.Result, nPre, nNew int) {
	t.Helper()
	lines := map[int]int{}
	for _, r := range rows {
		if r.Line > 0 {
			lines[r.Line]++
		}
		if strings.HasPrefix(r.Username, "pre") && r.Status == report.StatusCreated {
			t.Errorf("line %d: %s, who existed before the run, is reported created", r.Line, r.Username)
		}
		if strings.HasPrefix(r.Username, "new") && r.Status != report.StatusCreated {
			t.Errorf("line %d: %s is %s (%s), want created", r.Line, r.Username, r.Status, r.Error)
		}
	}
	for line := 2; line < 2+nPre+nNew; line++ {
		if lines[line] != 1 {
			t.Errorf("line %d is reported %d times, want once", line, lines[line])
		}
	}
	for i := range nPre {
		u := fmt.Sprintf("pre%d", i)
		w := s.sim.Writes(u)
		if w.SetPassword+w.SetPasswordHash+w.RecoveryEmails+w.Deletes != 0 {
			t.Errorf("%s existed before the run and was written to: %+v", u, w)
		}
		if !s.sim.CheckPassword(u, kPrePassword(u)) || s.sim.CreateCount(u) != 0 {
			t.Errorf("%s: its own password works %v, created %d times", u, s.sim.CheckPassword(u, kPrePassword(u)), s.sim.CreateCount(u))
		}
	}
	for i := range nNew {
		u := fmt.Sprintf("new%d", i)
		if n := s.sim.CreateCount(u); n != 1 {
			t.Errorf("%s created %d times, want 1", u, n)
		}
		if !s.sim.CheckPassword(u, kRowPassword(u)) {
			t.Errorf("%s: the row's password does not work", u)
		}
	}
}

// killHeld waits until the hold has caught its request (or the run ended without sending
// one: then there is nothing to kill) and kills the process with SIGKILL.
func killHeld(t *testing.T, p *process, hold *holdRequest) bool {
	t.Helper()
	select {
	case <-hold.heldOne:
	case <-p.done:
		t.Logf("the run ended (%v) without sending the request to hold; stderr:\n%s", p.err, p.stderr)
		return false
	case <-time.After(time.Minute):
		t.Fatalf("the request to hold never came; stderr:\n%s", p.stderr)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 30*time.Second)
	return true
}

// Issue 15 items 1 and 2, the acceptance across kill -9 + --resume: the process is killed
// while one write is held (a create, a PATCH, a set_password, a deactivation, after or
// before authentik acted); the resume with the same file finishes every new user once, with
// its password, and touches no pre-existing user's password, even one whose PATCH was in
// flight (item 2: today's resume reports it created and sets its password).
func TestProofKillAtEveryWriteThenResume(t *testing.T) {
	const nPre, nNew = 4, 4
	gone := authentiktest.SeedUser{User: authentik.User{Username: "gone0", Name: "Gone", Email: "gone0@example.com", IsActive: true, Path: "users/staff"}}
	tests := []struct {
		name    string
		match   func(r *http.Request, body []byte) bool
		act     bool
		flags   []string
		renamed []string
	}{
		{name: "create of a new user, answer lost after authentik acted", match: createOf("new2"), act: true,
			flags: []string{"--on-existing", "skip"}},
		{name: "create of a pre-existing twin, per-row lookups, answer lost after authentik acted", match: createOf("pre1"), act: true,
			flags: []string{"--on-existing", "skip", "--lookup", "per-row"}},
		{name: "create of a pre-existing twin, per-row lookups, --on-existing update", match: createOf("pre1"), act: true,
			flags: []string{"--on-existing", "update", "--lookup", "per-row"}},
		{name: "PATCH of a pre-existing user, after authentik acted", match: isPatch, act: true, renamed: []string{"pre1"},
			flags: []string{"--on-existing", "update"}},
		{name: "PATCH of a pre-existing user, before authentik acted", match: isPatch, renamed: []string{"pre1"},
			flags: []string{"--on-existing", "update"}},
		{name: "PATCH of a pre-existing user, per-row lookups", match: isPatch, act: true, renamed: []string{"pre1"},
			flags: []string{"--on-existing", "update", "--lookup", "per-row"}},
		{name: "set_password, after authentik acted", match: isSetPassword, act: true, flags: []string{"--on-existing", "skip"}},
		{name: "set_password, before authentik acted", match: isSetPassword, flags: []string{"--on-existing", "skip"}},
		{name: "deactivation, after authentik acted", match: isDeactivation, act: true,
			flags: []string{"--on-existing", "update", "--deactivate-missing", "--scope-path", "users/staff", "--max-deactivate", "50%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hold, wrap := newHoldRequest(tt.match, tt.act, false)
			s := startSim(t, authentiktest.Options{Users: killSeed(nPre, gone)}, wrap)
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", killCSV(nPre, nNew, tt.renamed...))
			rep := filepath.Join(dir, "report.csv")
			args := append([]string{"import", "--rate", "0", "--concurrency", "2", "--retries", "3", "--progress", "never", "--report", rep}, tt.flags...)

			p := startAkimport(t, s.srv.URL, append(args, input)...)
			killHeld(t, p, hold)
			hold.open.Store(true)
			code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...)
			if code != 0 && code != 1 {
				t.Fatalf("resume: exit %d; stderr:\n%s", code, stderr)
			}
			rows := readReportFile(t, rep)
			checkProof(t, s, rows, nPre, nNew)
			for _, u := range tt.renamed {
				if got, _ := s.sim.UserByUsername(u); got.Name != "Renamed "+u {
					t.Errorf("%s: name %q, want the row's %q", u, got.Name, "Renamed "+u)
				}
			}
			if slicesContains(tt.flags, "--deactivate-missing") {
				var reported bool
				for _, r := range rows {
					if r.Username == "gone0" {
						reported = r.Status == report.StatusDeactivated || (r.Status == report.StatusFailed && strings.Contains(r.Error, "may have been deactivated"))
					}
				}
				if got, _ := s.sim.UserByUsername("gone0"); got.IsActive || !reported {
					t.Errorf("gone0: active %v, reported %v; want it deactivated and its deactivation in the final report", got.IsActive, reported)
				}
			}
		})
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Issue 15 item 3: a run killed before any row reached its report, then --resume with
// another input file: refused (exit 2), nothing sent.
func TestProofResumeWithAnotherFileRefused(t *testing.T) {
	hold, wrap := newHoldRequest(anyCreate, false, true)
	s := startSim(t, authentiktest.Options{Users: killSeed(4)}, wrap)
	dir := t.TempDir()
	first := writeFile(t, dir, "monday.csv", killCSV(0, 4))
	other := writeFile(t, dir, "tuesday.csv", killCSV(4, 0))
	rep := filepath.Join(dir, "report.csv")
	args := []string{"import", "--rate", "0", "--concurrency", "2", "--progress", "never", "--report", rep}
	p := startAkimport(t, s.srv.URL, append(args, first)...)
	if !killHeld(t, p, hold) {
		t.Fatal("setup: the first run ended before any create")
	}
	if n := len(readReportFile(t, rep)); n != 0 {
		t.Fatalf("setup: %d rows reached the report before the kill, want none", n)
	}
	hold.open.Store(true)
	before := s.sim.Stats().Writes
	code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, other)...)
	if code != 2 {
		t.Errorf("resume with another file: exit %d, want 2; stderr:\n%s", code, stderr)
	}
	if w := s.sim.Stats().Writes; w != before {
		t.Errorf("%d writes by the refused resume, want none", w-before)
	}
	for i := range 4 {
		u := fmt.Sprintf("pre%d", i)
		if w := s.sim.Writes(u); w.SetPassword != 0 || !s.sim.CheckPassword(u, kPrePassword(u)) {
			t.Errorf("%s was taken over: %+v", u, w)
		}
	}
}

// Issue 15 item 4: "created, password not set" rows, then a --resume killed part-way (after
// one set_password is carried out, its answer lost): a last --resume still sets every
// password, each user created once, each line reported once.
func TestProofPasswordsSurviveAKilledResume(t *testing.T) {
	const nNew = 8
	hold, wrap := newHoldRequest(isSetPassword, true, false)
	hold.open.Store(true) // run 1 is not held
	s := startSim(t, authentiktest.Options{Users: killSeed(2), Faults: authentiktest.Faults{ServiceUnavailable: 1,
		Routes: []string{authentiktest.RouteSetPassword}}}, wrap)
	dir := t.TempDir()
	input := writeFile(t, dir, "users.csv", killCSV(0, nNew))
	rep := filepath.Join(dir, "report.csv")
	args := []string{"import", "--rate", "0", "--concurrency", "2", "--progress", "never", "--report", rep}
	if code, stderr := runAkimport(t, s.srv.URL, append(args, "--retries", "0", input)...); code != 1 {
		t.Fatalf("run 1: exit %d, want 1 (passwords not set); stderr:\n%s", code, stderr)
	}
	if err := s.sim.SetFaults(authentiktest.Faults{}); err != nil {
		t.Fatal(err)
	}
	hold.open.Store(false)
	p := startAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...)
	if !killHeld(t, p, hold) {
		t.Fatal("setup: resume 2 set no password")
	}
	hold.open.Store(true)
	if code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...); code != 0 {
		t.Errorf("resume 3: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	checkProof(t, s, readReportFile(t, rep), 0, nNew)
}

// Issue 15 item 7 (What to build 4): two runs on one report at once: the second exits 2
// and names the process that holds the report.
func TestProofOneRunPerReport(t *testing.T) {
	// The first run's creates (new…) are held; the second run's (x…) are not.
	hold, wrap := newHoldRequest(func(r *http.Request, body []byte) bool {
		return isCreate(r) && bytes.Contains(body, []byte(`"username":"new`))
	}, false, true)
	s := startSim(t, authentiktest.Options{}, wrap)
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.csv")
	args := []string{"import", "--rate", "0", "--concurrency", "2", "--progress", "never", "--report", rep}
	first := startAkimport(t, s.srv.URL, append(args, writeFile(t, dir, "users.csv", killCSV(0, 4)))...)
	select {
	case <-hold.heldOne:
	case <-time.After(time.Minute):
		t.Fatalf("the first run sent no create; stderr:\n%s", first.stderr)
	}
	second := startAkimport(t, s.srv.URL, append(args, writeFile(t, dir, "other.csv", "username,name\nx0,X\nx1,X\n"))...)
	code := second.wait(t, time.Minute)
	if code != 2 {
		t.Errorf("the second run: exit %d, want 2; stderr:\n%s", code, second.stderr)
	}
	if pid := strconv.Itoa(first.cmd.Process.Pid); !strings.Contains(second.stderr.String(), pid) {
		t.Errorf("the second run does not name the process holding the report (pid %s); stderr:\n%s", pid, second.stderr)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.wait(t, 30*time.Second)
}
