package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Issue 4's acceptance: an import killed with SIGKILL mid-run, then resumed from its report,
// creates every user exactly once and reports every line once. Creates in flight at the kill
// are held by the server; half of them were carried out (their answer died with the
// process), so the resumed run must reconcile them by lookup, not create them again.
func TestKillAndResume(t *testing.T) {
	const concurrency = 8
	tests := []struct {
		name string
		rows int
		tear bool // cut the report's last line in half, as a kill mid-write would
	}{
		{name: "killed", rows: 3000},
		{name: "killed with a torn last line", rows: 1000, tear: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const heldAfter = 650
			hold, wrap := newHoldCreates(t, heldAfter)
			s := startSim(t, authentiktest.Options{Latency: 3 * time.Millisecond, Capacity: 8}, wrap)
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", simpleUsersCSV(tt.rows, "k"))
			rep := filepath.Join(dir, "report.csv")
			args := []string{"import", "--concurrency", strconv.Itoa(concurrency), "--rate", "0", "--progress", "never", "--report", rep}

			p := startAkimport(t, s.srv.URL, append(args, input)...)
			waitForLines(t, p, rep, 600, time.Minute)
			// Kill once every worker waits on a held create: some were carried out.
			waitFor(t, p, time.Minute, "every worker waits on a held create", func() bool { return hold.n.Load() >= heldAfter+concurrency })
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			p.wait(t, 30*time.Second)
			before := len(readReportFile(t, rep))
			if tt.tear {
				tearLastLine(t, rep)
			}

			hold.open.Store(true)
			code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...)
			if code != 0 {
				t.Fatalf("resume: exit code %d, want 0; stderr:\n%s", code, stderr)
			}
			checkEveryLineOnce(t, s, readReportFile(t, rep), tt.rows, "k")
			if !strings.Contains(stderr, "confirmed by lookup") {
				t.Errorf("the resumed run logged no create confirmed by lookup; stderr:\n%s", stderr)
			}
			moved, _ := filepath.Glob(rep + ".prev-*[0-9Z]") // the reports; their run records moved with them
			if len(moved) != 1 {
				t.Errorf("earlier reports kept: %v, want one", moved)
			}
			t.Logf("%d rows reported before the kill", before)
		})
	}
}

// tearLastLine cuts the file in the middle of its last line.
func tearLastLine(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	cut := start + (len(b)-start)/2
	if err := os.WriteFile(path, b[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
}

// SIGINT (or SIGTERM) stops the intake, lets the requests in flight finish, writes every
// finished row, prints the summary and exits 130; --resume then finishes the file without a
// second create.
func TestInterruptAndResume(t *testing.T) {
	const rows = 3000
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			slow := &slowCreates{after: 300, delay: 20 * time.Millisecond}
			s := startSim(t, authentiktest.Options{Latency: 3 * time.Millisecond, Capacity: 8},
				func(next http.Handler) http.Handler { slow.next = next; return slow })
			dir := t.TempDir()
			input := writeFile(t, dir, "users.csv", simpleUsersCSV(rows, "i"))
			rep := filepath.Join(dir, "report.jsonl")
			args := []string{"import", "--concurrency", "8", "--rate", "0", "--progress", "never", "--report", rep}

			p := startAkimport(t, s.srv.URL, append(args, input)...)
			waitForLines(t, p, rep, 200, time.Minute)
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t, time.Minute); code != 130 {
				t.Fatalf("exit code %d, want 130; stderr:\n%s", code, p.stderr)
			}
			stderr := p.stderr.String()
			for _, want := range []string{"interrupted", "exit code 130", "created"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}

			// Every user authentik holds is in the report as created: nothing finished was lost.
			reported := map[string]report.Status{}
			for _, r := range readReportFile(t, rep) {
				reported[r.Username] = r.Status
			}
			users := s.sim.Users()
			for _, u := range users {
				if st := reported[u.Username]; st != report.StatusCreated {
					t.Errorf("%s exists in authentik but the report says %q", u.Username, st)
				}
			}
			if len(reported) != len(users) || len(users) >= rows {
				t.Errorf("report rows %d, users %d of %d: want equal, and fewer than all", len(reported), len(users), rows)
			}

			slow.off.Store(true)
			code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...)
			if code != 0 {
				t.Fatalf("resume: exit code %d, want 0; stderr:\n%s", code, stderr)
			}
			checkEveryLineOnce(t, s, readReportFile(t, rep), rows, "i")
		})
	}
}

// A second SIGINT cancels the requests still in flight instead of waiting for them; the
// run still writes its report and summary and exits 130. The cancelled rows are reported
// as failed (they may have been created), and --resume reconciles them by lookup.
func TestSecondSignalCancelsInFlight(t *testing.T) {
	const rows, heldAfter, concurrency = 1000, 200, 8
	hold, wrap := newHoldCreates(t, heldAfter)
	s := startSim(t, authentiktest.Options{Latency: 3 * time.Millisecond, Capacity: 8}, wrap)
	dir := t.TempDir()
	input := writeFile(t, dir, "users.csv", simpleUsersCSV(rows, "d"))
	rep := filepath.Join(dir, "report.csv")
	args := []string{"import", "--concurrency", strconv.Itoa(concurrency), "--rate", "0", "--progress", "never", "--report", rep}

	p := startAkimport(t, s.srv.URL, append(args, input)...)
	waitFor(t, p, time.Minute, "every worker waits on a held create", func() bool { return hold.n.Load() >= heldAfter+concurrency })
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, time.Minute, "the first signal is acknowledged", func() bool { return strings.Contains(p.stderr.String(), "interrupted") })
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, time.Minute); code != 130 {
		t.Fatalf("exit code %d, want 130; stderr:\n%s", code, p.stderr)
	}
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "exit code 130") {
		t.Errorf("no summary on stderr:\n%s", stderr)
	}
	got := readReportFile(t, rep)
	status := map[string]report.Status{}
	failed := 0
	for _, r := range got {
		status[r.Username] = r.Status
		if r.Status == report.StatusFailed {
			failed++
		}
	}
	if failed != concurrency || len(got) != heldAfter+concurrency {
		t.Errorf("report: %d rows, %d failed; want %d rows of which the %d in flight failed", len(got), failed, heldAfter+concurrency, concurrency)
	}
	for _, u := range s.sim.Users() {
		if st := status[u.Username]; st != report.StatusCreated && st != report.StatusFailed {
			t.Errorf("%s exists in authentik but the report says %q", u.Username, st)
		}
	}

	hold.open.Store(true)
	code, stderr := runAkimport(t, s.srv.URL, append(args, "--resume", rep, input)...)
	if code != 0 {
		t.Fatalf("resume: exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	checkEveryLineOnce(t, s, readReportFile(t, rep), rows, "d")
}
