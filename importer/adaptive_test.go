package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// checkCreatedOnce checks that every row of the report is created, once, and that the
// simulator created each of its users exactly once.
func checkCreatedOnce(t *testing.T, h *harness, reportPath string, wantRows int) {
	t.Helper()
	got := readReport(t, reportPath)
	if len(got) != wantRows {
		t.Fatalf("report has %d rows, want %d", len(got), wantRows)
	}
	seen := map[int]bool{}
	for _, r := range got {
		if seen[r.Line] {
			t.Fatalf("line %d reported twice", r.Line)
		}
		seen[r.Line] = true
		if r.Status != report.StatusCreated {
			t.Fatalf("line %d: %+v", r.Line, r)
		}
		if n := h.sim.CreateCount(r.Username); n != 1 {
			t.Fatalf("%s created %d times", r.Username, n)
		}
	}
	if users := h.sim.Users(); len(users) != wantRows {
		t.Fatalf("simulator holds %d users, want %d", len(users), wantRows)
	}
}

// Issue 12's acceptance: under 5% 503 answers --concurrency auto backs off (its limit
// shrinks) and still finishes with every row created exactly once. F-A3: capacity 8.
func TestConcurrencyAutoUnder503(t *testing.T) {
	const rows = 1500
	h := newHarness(t, authentiktest.Options{
		Seed:     7,
		Capacity: 8,
		Latency:  time.Millisecond,
		Faults:   authentiktest.Faults{ServiceUnavailable: 0.05},
	})
	cfg := h.config(h.write("users.csv", usersCSV(rows, "a")))
	cfg.ConcurrencyAuto = true
	cfg.MaxConcurrency = 32
	cfg.Retries = 10
	cfg.SummaryJSON = filepath.Join(h.dir, "summary.json")
	sum, err := importer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkCreatedOnce(t, h, cfg.ReportPath, rows)
	st := h.sim.Stats()
	if st.Faults[authentiktest.FaultServiceUnavailable] == 0 {
		t.Fatalf("no 503 injected: %v", st.Faults)
	}
	c := sum.Concurrency
	if c == nil || c.Mode != "auto" {
		t.Fatalf("summary concurrency %+v, want mode auto", c)
	}
	if c.Decreases == 0 {
		t.Errorf("the limit never shrank under %d 503 answers: %+v", st.Faults[authentiktest.FaultServiceUnavailable], c)
	}
	if c.Limit < 1 || c.MaxSeen > cfg.MaxConcurrency || c.MinSeen > c.MaxSeen || c.MaxConcurrency != 32 {
		t.Errorf("summary concurrency %+v out of its bounds 1..32", c)
	}
	if st.PeakInFlight > int64(cfg.MaxConcurrency) {
		t.Errorf("the simulator saw %d requests at once, more than --max-concurrency %d", st.PeakInFlight, cfg.MaxConcurrency)
	}
	var fromFile struct {
		Concurrency *report.Concurrency `json:"concurrency"`
	}
	b, err := os.ReadFile(cfg.SummaryJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromFile); err != nil || fromFile.Concurrency == nil || *fromFile.Concurrency != *c {
		t.Errorf("--summary-json concurrency %+v (err %v), want %+v", fromFile.Concurrency, err, c)
	}
	if !strings.Contains(h.log.String(), "concurrency") {
		t.Errorf("the summary on stderr does not show the concurrency:\n%s", h.log)
	}
	t.Logf("503s %d, retries %d, concurrency %+v, peak in flight %d", st.Faults[authentiktest.FaultServiceUnavailable], sum.Retries, *c, st.PeakInFlight)
}

// A stopped run drains with --concurrency auto too: rows waiting for a slot of the limit
// are not sent (and not reported: --resume takes them), rows in flight are reported, and
// nothing the simulator created is missing from the report.
func TestConcurrencyAutoStoppedRunDrains(t *testing.T) {
	const rows, stopAfter = 1000, 150
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var creates atomic.Int64
	h := newHarness(t, authentiktest.Options{
		Capacity: 4,
		Latency:  time.Millisecond,
		OnRequest: func(method, uri string, status int, took time.Duration) {
			if method == "POST" && creates.Add(1) == stopAfter {
				cancel()
			}
		},
	})
	cfg := h.config(h.write("users.csv", usersCSV(rows, "s")))
	cfg.ConcurrencyAuto = true
	_, err := importer.Run(ctx, cfg)
	if !errors.Is(err, importer.ErrInterrupted) && importer.ExitCode(err) != importer.ExitInterrupted {
		t.Fatalf("Run: %v, want interrupted", err)
	}
	got := readReport(t, cfg.ReportPath)
	if len(got) < stopAfter || len(got) >= rows {
		t.Fatalf("report has %d rows, want the %d+ sent before the stop and not all %d", len(got), stopAfter, rows)
	}
	for _, r := range got {
		if r.Status != report.StatusCreated || h.sim.CreateCount(r.Username) != 1 {
			t.Fatalf("line %d: %+v, created %d times", r.Line, r, h.sim.CreateCount(r.Username))
		}
	}
	if users := h.sim.Users(); len(users) != len(got) {
		t.Errorf("simulator holds %d users, the report %d rows: a create in flight was not reported", len(users), len(got))
	}
}
