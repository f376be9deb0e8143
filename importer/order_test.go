package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// TestRequestOrder measures the adaptive request order against create-first of --on-existing update with --lookup per-row on a file whose
// users mostly exist (a nightly sync) and on one whose users are mostly new (a migration).
// The adaptive order must cost about the same as create-first on the migration file, and
// save about a request per existing row on the sync file.
func TestRequestOrder(t *testing.T) {
	const rows = 400
	for _, existingShare := range []int{90, 10} {
		requests := map[string]int64{}
		elapsed := map[string]time.Duration{}
		{
			order := "adaptive"
			// Existing users are spread through the file, as in an export sorted by name.
			var seed []authentiktest.SeedUser
			for i := range rows {
				if i%10 < existingShare/10 {
					seed = append(seed, authentiktest.SeedUser{User: authentik.User{Username: fmt.Sprintf("o%04d", i), Name: fmt.Sprintf("O %d", i), IsActive: true}})
				}
			}
			h := newHarness(t, authentiktest.Options{Users: seed, Latency: time.Millisecond})
			var b strings.Builder
			b.WriteString("username,name\n")
			for i := range rows {
				fmt.Fprintf(&b, "o%04d,O %d\n", i, i)
			}
			cfg := h.config(h.write("o.csv", b.String()))
			cfg.OnExisting = importer.OnExistingUpdate
			cfg.Lookup = importer.LookupPerRow // the orders of per-row lookups (snapshots: sync_test.go)
			start := time.Now()
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			elapsed[order] = time.Since(start)
			st := h.sim.Stats()
			// the rows' own requests: creates and lookups, less the preflight's check and the mark's read
			requests[order] = st.Requests[authentiktest.RouteCreateUser] + st.Requests[authentiktest.RouteListUsers] - 2
			existing := int64(len(seed))
			requests["create-first"] = rows + existing // each row created; each existing one looked up after "must be unique"
		}
		t.Logf("%d%% existing, %d rows: create-first would make %d requests, adaptive made %d (%v)",
			existingShare, rows, requests["create-first"], requests["adaptive"], elapsed["adaptive"].Round(time.Millisecond))
		if requests["adaptive"] > requests["create-first"]*105/100 {
			t.Errorf("%d%% existing: adaptive made %d requests, create-first %d", existingShare, requests["adaptive"], requests["create-first"])
		}
		if existingShare == 90 && requests["adaptive"] > requests["create-first"]*2/3 {
			t.Errorf("90%% existing: adaptive %d requests, want about one per row (create-first %d)", requests["adaptive"], requests["create-first"])
		}
	}
}
