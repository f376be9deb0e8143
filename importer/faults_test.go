package importer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Issue 4's acceptance, and issue 9's: 2 000 rows against 5% 503, 5% 429, 5% lost answers
// and 5% "act, then a proxy's 503", for five seeds: every user created exactly once, every
// line reported once, all `created`, and at most one create request per username ever
// reaches authentik (every uncertain create is looked up before it is retried).
func TestFaultsNothingLostNothingDoubled(t *testing.T) {
	const rows = 2000
	for seed := int64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{
				Seed: seed,
				Faults: authentiktest.Faults{
					ServiceUnavailable: 0.05,
					TooManyRequests:    0.05,
					LostAnswer:         0.05,
					ActThenUnavailable: 0.05,
					RetryAfter:         time.Second,
				},
			})
			cfg := h.config(h.write("users.csv", usersCSV(rows, "f")))
			cfg.Concurrency = 16
			cfg.Retries = 8
			sum, err := importer.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := readReport(t, cfg.ReportPath)
			if len(got) != rows {
				t.Fatalf("report has %d rows, want %d", len(got), rows)
			}
			seen := map[int]bool{}
			for _, r := range got {
				if seen[r.Line] {
					t.Fatalf("line %d reported twice", r.Line)
				}
				seen[r.Line] = true
				if r.Status != report.StatusCreated || r.PK == 0 {
					t.Fatalf("line %d: %+v", r.Line, r)
				}
			}
			users := h.sim.Users()
			if len(users) != rows {
				t.Fatalf("simulator holds %d users, want %d", len(users), rows)
			}
			for _, u := range users {
				if n := h.sim.CreateCount(u.Username); n != 1 {
					t.Fatalf("%s created %d times", u.Username, n)
				}
				if n := h.sim.PostCount(u.Username); n != 1 {
					t.Fatalf("%s: %d create requests reached authentik, want 1", u.Username, n)
				}
			}
			st := h.sim.Stats()
			if st.DuplicateUsernameAttempts != 0 {
				t.Errorf("%d duplicate-username create attempts, want 0", st.DuplicateUsernameAttempts)
			}
			if st.Faults[authentiktest.FaultLostAnswer] == 0 || st.Faults[authentiktest.FaultTooManyRequests] == 0 ||
				st.Faults[authentiktest.FaultServiceUnavailable] == 0 || st.Faults[authentiktest.FaultActThenUnavailable] == 0 {
				t.Errorf("faults injected %v: want some of each kind", st.Faults)
			}
			if sum.Retries == 0 {
				t.Errorf("summary counts no retries")
			}
			t.Logf("faults %v, retries %d, creates %d, duplicate attempts %d", st.Faults, sum.Retries, st.Creates, st.DuplicateUsernameAttempts)
		})
	}
}
