package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// uncertainCreates is a proxy in front of the simulator that answers 504 to the first create
// of each target username, so akimport cannot know whether the user was created:
//   - acted: the create reached authentik; only the answer was lost.
//   - late: authentik carries the create out only after akimport looked the username up
//     (and found nothing), just before the retry, which then answers "This field must be
//     unique." — a slow backend behind a proxy that timed out.
//   - notActed: the create never reached authentik.
type uncertainCreates struct {
	next    http.Handler
	mode    string
	targets map[string]bool

	mu      sync.Mutex
	seen    map[string]bool
	stashed map[string][]byte
}

func (p *uncertainCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v3/core/users/" {
		p.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Username string `json:"username"`
	}
	_ = json.Unmarshal(body, &req)
	replay := func(w http.ResponseWriter, body []byte) {
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		p.next.ServeHTTP(w, r2)
	}

	p.mu.Lock()
	first := p.targets[req.Username] && !p.seen[req.Username]
	p.seen[req.Username] = true
	late, isLate := p.stashed[req.Username]
	delete(p.stashed, req.Username)
	if first && p.mode == "late" {
		p.stashed[req.Username] = body
	}
	p.mu.Unlock()

	switch {
	case first:
		if p.mode == "acted" {
			replay(httptest.NewRecorder(), body)
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = io.WriteString(w, "<html><body><h1>504 Gateway Time-out</h1></body></html>")
		return
	case isLate:
		replay(httptest.NewRecorder(), late) // the first create lands now
	}
	replay(w, body)
}

// When an attempt may have created the user, the username is looked up (before the retry,
// or when the retry answers "This field must be unique."): a user equal to the row is ours
// (created, "confirmed by lookup"); a different one pre-existed and --on-existing decides.
func TestUncertainCreateIsReconciledByLookup(t *testing.T) {
	const rows = 30
	targets := map[string]bool{}
	for i := 0; i < rows; i += 5 {
		targets[fmt.Sprintf("c%04d", i)] = true
	}
	var preexisting []authentiktest.SeedUser
	for u := range targets {
		preexisting = append(preexisting, authentiktest.SeedUser{User: authentik.User{Username: u, Name: "Someone Else", IsActive: true}})
	}
	tests := []struct {
		name       string
		mode       string
		seed       []authentiktest.SeedUser
		onExisting importer.OnExisting
		wantStatus report.Status // of the target rows
		wantErr    error
		wantError  string // in the target rows' error cell
		wantLog    string // once per target row
		wantCount  int    // creates of each target username
		wantUnique bool   // the retries answered "This field must be unique."
	}{
		{name: "answer lost, lookup before the retry confirms", mode: "acted", wantStatus: report.StatusCreated, wantLog: "confirmed by lookup", wantCount: 1},
		{name: "create lands late, the retry answers must be unique", mode: "late", wantStatus: report.StatusCreated, wantLog: "confirmed by lookup", wantCount: 1, wantUnique: true},
		{name: "never reached authentik, the retry creates", mode: "notActed", wantStatus: report.StatusCreated, wantCount: 1},
		{name: "pre-existing, different, on-existing fail", mode: "acted", seed: preexisting, onExisting: importer.OnExistingFail,
			wantStatus: report.StatusExists, wantErr: importer.ErrRowsFailed, wantError: "must be unique"},
		{name: "pre-existing, different, on-existing skip", mode: "acted", seed: preexisting, onExisting: importer.OnExistingSkip,
			wantStatus: report.StatusExists},
		{name: "pre-existing, different, on-existing update", mode: "acted", seed: preexisting, onExisting: importer.OnExistingUpdate,
			wantStatus: report.StatusUpdated},
		{name: "pre-existing, different, answer 504 without acting", mode: "notActed", seed: preexisting,
			onExisting: importer.OnExistingSkip, wantStatus: report.StatusExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := &uncertainCreates{mode: tt.mode, targets: targets, seen: map[string]bool{}, stashed: map[string][]byte{}}
			h := newHarnessWrapped(t, authentiktest.Options{Users: tt.seed}, func(next http.Handler) http.Handler { proxy.next = next; return proxy })
			cfg := h.config(h.write("users.csv", usersCSV(rows, "c")))
			cfg.Concurrency = 4
			cfg.OnExisting = tt.onExisting
			_, err := importer.Run(context.Background(), cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v\nlog:\n%s", err, tt.wantErr, h.log)
			}
			got := readReport(t, cfg.ReportPath)
			if len(got) != rows {
				t.Fatalf("the report has %d rows, want %d", len(got), rows)
			}
			for _, r := range got {
				want := report.StatusCreated
				if targets[r.Username] {
					want = tt.wantStatus
				}
				if r.Status != want || !strings.Contains(r.Error, tt.wantError) && targets[r.Username] {
					t.Errorf("line %d (%s): %s %q, want %s %q", r.Line, r.Username, r.Status, r.Error, want, tt.wantError)
				}
				wantCount := 1
				if targets[r.Username] {
					wantCount = tt.wantCount
				}
				if n := h.sim.CreateCount(r.Username); n != wantCount {
					t.Errorf("%s created %d times, want %d", r.Username, n, wantCount)
				}
			}
			if tt.wantLog != "" {
				if n := strings.Count(h.log.String(), tt.wantLog); n != len(targets) {
					t.Errorf("the log says %q %d times, want %d (once per uncertain row)", tt.wantLog, n, len(targets))
				}
			}
			if n := h.sim.Stats().DuplicateUsernameAttempts; tt.wantUnique && n != int64(len(targets)) {
				t.Errorf("%d creates answered must be unique, want %d", n, len(targets))
			}
			if tt.onExisting == importer.OnExistingUpdate {
				for u := range targets {
					if got, _ := h.sim.UserByUsername(u); !strings.HasPrefix(got.Name, "User ") {
						t.Errorf("%s was not updated: name %q", u, got.Name)
					}
				}
			}
		})
	}
}

// Lost answers on creates and failing lookups together: every row still ends created once.
func TestLostAnswersWithFlakyLookups(t *testing.T) {
	const rows = 300
	h := newHarness(t, authentiktest.Options{
		Seed: 42,
		Faults: authentiktest.Faults{
			LostAnswer:         0.2,
			ServiceUnavailable: 0.15,
			Routes:             []string{authentiktest.RouteCreateUser, authentiktest.RouteListUsers},
		},
	})
	cfg := h.config(h.write("users.csv", usersCSV(rows, "l")))
	cfg.Retries = 10
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := readReport(t, cfg.ReportPath)
	if c := countStatus(got); len(got) != rows || c[report.StatusCreated] != rows {
		t.Fatalf("report: %d rows %v, want %d created", len(got), c, rows)
	}
	for _, u := range h.sim.Users() {
		if n := h.sim.CreateCount(u.Username); n != 1 {
			t.Errorf("%s created %d times", u.Username, n)
		}
	}
	st := h.sim.Stats()
	if st.Faults[authentiktest.FaultLostAnswer] == 0 || st.Faults[authentiktest.FaultServiceUnavailable] == 0 {
		t.Errorf("faults %v: want lost answers and 503s", st.Faults)
	}
	if !strings.Contains(h.log.String(), "confirmed by lookup") {
		t.Error("no create was confirmed by lookup")
	}
}

// newHarnessWrapped is newHarness with a handler in front of the simulator.
func newHarnessWrapped(t *testing.T, opts authentiktest.Options, wrap func(http.Handler) http.Handler) *harness {
	t.Helper()
	h := newHarness(t, opts)
	srv := httptest.NewServer(wrap(h.sim))
	t.Cleanup(srv.Close)
	h.srv = srv
	return h
}
