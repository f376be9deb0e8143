package importer_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

func staff(username, name string) authentiktest.SeedUser {
	return authentiktest.SeedUser{User: authentik.User{Username: username, Name: name, Email: username + "@example.com",
		IsActive: true, Path: "users/staff"}}
}

// Issue 9, fault 1: an HR export with "alice " and " bob" (padded cells) under
// --on-existing update --deactivate-missing. authentik stores usernames stripped (F-U3a):
// the rows are alice and bob, who are updated, and nobody listed is deactivated.
func TestPaddedUsernamesUpdateAndDeactivateNobodyListed(t *testing.T) {
	for _, lookup := range []importer.LookupMode{importer.LookupSnapshot, importer.LookupPerRow} {
		t.Run(string(lookup), func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{
				staff("alice", "Alice"), staff("bob", "Bob"), staff("carol", "Carol"), staff("leaver", "Leaver"),
			}})
			cfg := h.config(h.write("hr.csv", "username,name,email,path\n"+
				"\"alice \",Alice Smith,alice@example.com,users/staff\n"+
				"\" bob\",Bob,bob@example.com,users/staff\n"+
				"carol,Carol,carol@example.com,users/staff\n"))
			cfg.OnExisting, cfg.DeactivateMissing, cfg.ScopePath = importer.OnExistingUpdate, true, "users/staff"
			cfg.MaxDeactivate = importer.DeactivateLimit{Value: 1}
			cfg.Lookup = lookup
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			rows := readReport(t, cfg.ReportPath)
			got := map[string]report.Status{}
			for _, r := range rows {
				got[r.Username] = r.Status
			}
			want := map[string]report.Status{"alice": report.StatusUpdated, "bob": report.StatusUnchanged,
				"carol": report.StatusUnchanged, "leaver": report.StatusDeactivated}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("report %v, want %v", got, want)
			}
			for _, name := range []string{"alice", "bob", "carol"} {
				if u, _ := h.sim.UserByUsername(name); !u.IsActive {
					t.Errorf("%s was deactivated though the file lists them", name)
				}
			}
			if u, _ := h.sim.UserByUsername("alice"); u.Name != "Alice Smith" {
				t.Errorf("alice's name %q, want the row's", u.Name)
			}
			if n := h.sim.Stats().Creates; n != 0 {
				t.Errorf("%d users created, want none: every row names an existing user", n)
			}
			for _, r := range rows {
				if r.Username == "alice" && !strings.Contains(strings.Join(r.Warnings, ";"), "username: white space") {
					t.Errorf("alice's warnings %q: want one about the padded cell", r.Warnings)
				}
			}
		})
	}
}

// Issue 9, fault 2: alice exists before the import, equal to her row. Run 1 (--on-existing
// fail) reports her `exists`; the resume must too, and never set her password: only rows
// this import created get one.
func TestResumeNeverAdoptsAPreExistingUser(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{{User: authentik.User{
		Username: "alice", Name: "Alice", Email: "alice@example.com", IsActive: true, Path: "users"}}}})
	cfg := h.config(h.write("u.csv", "username,name,email,password\n"+
		"alice,Alice,alice@example.com,alice-pw-1\n"+
		"newbie,New Bie,newbie@example.com,newbie-pw-2\n"))
	if _, err := importer.Run(context.Background(), cfg); !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("run 1: %v, want some rows failed", err)
	}
	for _, lookup := range []importer.LookupMode{importer.LookupAuto, importer.LookupPerRow, importer.LookupSnapshot} {
		resume := cfg
		resume.ResumeFrom = cfg.ReportPath
		resume.Lookup = lookup
		sum, err := importer.Run(context.Background(), resume)
		if !errors.Is(err, importer.ErrRowsFailed) {
			t.Fatalf("resume (%s): %v, want exit 1 (alice still exists)", lookup, err)
		}
		// The summary describes this run: newbie was created by run 1 and carried over.
		if sum.CarriedOver != 1 || sum.Counts[report.StatusCreated] != 0 || sum.Rows != 1 {
			t.Errorf("resume (%s): summary carried %d, created %d, rows %d; want 1, 0, 1", lookup, sum.CarriedOver, sum.Counts[report.StatusCreated], sum.Rows)
		}
		statuses := map[string]report.Status{}
		for _, r := range readReport(t, cfg.ReportPath) {
			statuses[r.Username] = r.Status
		}
		if statuses["alice"] != report.StatusExists || statuses["newbie"] != report.StatusCreated {
			t.Errorf("resume (%s): %v, want alice exists and newbie created", lookup, statuses)
		}
	}
	if _, set := h.sim.PasswordOf("alice"); set {
		t.Error("alice's password was set: she was never created by this import")
	}
	if pw, set := h.sim.PasswordOf("newbie"); !set || pw != "newbie-pw-2" {
		t.Error("newbie's password was not set")
	}
	if n := h.sim.Stats().Requests[authentiktest.RouteSetPassword]; n != 1 {
		t.Errorf("%d set_password requests, want 1 (newbie's)", n)
	}
}

// A crash right after the report got alice's `exists` (her record still "sending" in the
// journal) must not make the resume take her as created by the earlier run.
func TestResumeAfterACrashBehindAnExistsRow(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{{User: authentik.User{
		Username: "alice", Name: "Alice", Email: "alice@example.com", IsActive: true, Path: "users"}}}})
	cfg := h.config(h.write("u.csv", "username,name,email,password\nalice,Alice,alice@example.com,alice-pw-1\n"))
	if _, err := importer.Run(context.Background(), cfg); !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("run 1: %v, want alice exists", err)
	}
	// What a kill -9 between the report's row and anything after it leaves behind.
	if err := os.WriteFile(cfg.ReportPath+".journal", []byte("sending 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resume := cfg
	resume.ResumeFrom = cfg.ReportPath
	if _, err := importer.Run(context.Background(), resume); !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("resume: %v, want alice still exists", err)
	}
	if rows := readReport(t, cfg.ReportPath); len(rows) != 1 || rows[0].Status != report.StatusExists {
		t.Errorf("report %+v, want alice exists", rows)
	}
	if _, set := h.sim.PasswordOf("alice"); set {
		t.Error("alice's password was set: the report said she existed before the import")
	}
}

// Issue 9, fault 3: a nightly sync of 10 000 users in users/staff with 20 leavers, 20 hires
// and 100 renames must cost about what changed: reading the scope (100 pages) and 140
// writes, not a lookup per row. (Time at --rate 10: make bench.)
func TestSnapshotSyncCostsOnlyWhatChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("10 000 users")
	}
	const n = 10_000
	seed := make([]authentiktest.SeedUser, 0, n)
	for i := range n {
		seed = append(seed, staff(fmt.Sprintf("s%05d", i), fmt.Sprintf("Staff %d", i)))
	}
	h := newHarness(t, authentiktest.Options{Users: seed})
	var b strings.Builder
	b.WriteString("username,name,email,path\n")
	for i := 20; i < n+20; i++ { // s00000..s00019 left; s10000..s10019 are hires
		name := fmt.Sprintf("Staff %d", i)
		if i%100 == 50 {
			name += " (renamed)"
		}
		fmt.Fprintf(&b, "s%05d,%s,s%05d@example.com,users/staff\n", i, name, i)
	}
	cfg := h.config(h.write("hr.csv", b.String()))
	cfg.OnExisting, cfg.DeactivateMissing, cfg.ScopePath = importer.OnExistingUpdate, true, "users/staff"
	s, err := importer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[report.Status]int64{report.StatusCreated: 20, report.StatusUpdated: 100, report.StatusUnchanged: n - 20 - 100, report.StatusDeactivated: 20}
	for status, c := range want {
		if s.Counts[status] != c {
			t.Errorf("%s: %d, want %d", status, s.Counts[status], c)
		}
	}
	var total int64
	for _, c := range h.sim.Stats().Requests {
		total += c
	}
	stats := h.sim.Stats()
	t.Logf("requests: %d in total (%v); floor 263", total, stats.Requests)
	// 100 pages + 140 changes + a fresh read before each of the 20 deactivations + the
	// preflight's version, token user and pk mark.
	if total > 263 {
		t.Errorf("%d requests, want at most 263 (100 pages + 140 changes + 20 re-reads + 3 preflight)", total)
	}
	for i := range 20 {
		if u, _ := h.sim.UserByUsername(fmt.Sprintf("s%05d", i)); u.IsActive {
			t.Errorf("leaver %s still active", u.Username)
		}
		if n := h.sim.CreateCount(fmt.Sprintf("s%05d", n+i)); n != 1 {
			t.Errorf("hire s%05d created %d times", n+i, n)
		}
	}
	if u, _ := h.sim.UserByUsername("s00150"); u.Name != "Staff 150 (renamed)" || !u.IsActive {
		t.Errorf("s00150: %+v, want renamed and active", u)
	}
}

// --reactivate: a listed user who is inactive in authentik is set active unless the row gives
// is_active; without it such users are left alone and warned about. The dry run predicts both.
func TestReactivate(t *testing.T) {
	for _, reactivate := range []bool{false, true} {
		t.Run(fmt.Sprint("reactivate=", reactivate), func(t *testing.T) {
			dormant := staff("dormant", "Dormant")
			dormant.IsActive = false
			keptOff := staff("kept-off", "Kept Off")
			keptOff.IsActive = false
			h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{dormant, keptOff}})
			cfg := h.config(h.write("u.csv", "username,name,email,path,is_active\n"+
				"dormant,Dormant,dormant@example.com,users/staff,\n"+
				"kept-off,Kept Off,kept-off@example.com,users/staff,false\n"))
			cfg.OnExisting, cfg.Reactivate = importer.OnExistingUpdate, reactivate
			dry := cfg
			dry.DryRun, dry.ReportPath = true, cfg.ReportPath+".dry.csv"
			if _, err := importer.Run(context.Background(), dry); err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			real, predicted := readReport(t, cfg.ReportPath), readReport(t, dry.ReportPath)
			wantStatus, wantAction := report.StatusUnchanged, "unchanged"
			if reactivate {
				wantStatus, wantAction = report.StatusUpdated, "reactivate: is_active"
			}
			if real[0].Status != wantStatus || predicted[0].Action != wantAction {
				t.Errorf("dormant: real %s, predicted %q; want %s and %q", real[0].Status, predicted[0].Action, wantStatus, wantAction)
			}
			warned := strings.Contains(strings.Join(real[0].Warnings, ";"), "--reactivate")
			if warned == reactivate || warned != strings.Contains(strings.Join(predicted[0].Warnings, ";"), "--reactivate") {
				t.Errorf("dormant's warnings: real %q, predicted %q", real[0].Warnings, predicted[0].Warnings)
			}
			if u, _ := h.sim.UserByUsername("dormant"); u.IsActive != reactivate {
				t.Errorf("dormant active = %v, want %v", u.IsActive, reactivate)
			}
			if u, _ := h.sim.UserByUsername("kept-off"); u.IsActive || real[1].Status != report.StatusUnchanged {
				t.Errorf("kept-off: active %v, status %s: the row's is_active=false wins", u.IsActive, real[1].Status)
			}
		})
	}
}

// Issue 9: the snapshot reads each page through the pacer and retries it on its own: a
// failure on page 5 retries page 5, never the pages before it.
func TestSnapshotRetriesAFailedPageAlone(t *testing.T) {
	var seed []authentiktest.SeedUser
	for i := range 1000 {
		seed = append(seed, staff(fmt.Sprintf("p%04d", i), fmt.Sprintf("P %d", i)))
	}
	h := newHarness(t, authentiktest.Options{Users: seed})
	var mu sync.Mutex
	pages := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodGet && r.URL.Path == "/api/v3/core/users/" && q.Has("path_startswith") {
			mu.Lock()
			pages[q.Get("page")]++
			first := pages[q.Get("page")] == 1
			mu.Unlock()
			if q.Get("page") == "5" && first {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var b strings.Builder
	b.WriteString("username,name,email,path\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "p%04d,P %d,p%04d@example.com,users/staff\n", i, i, i)
	}
	cfg := h.config(h.write("p.csv", b.String()))
	cfg.URL = srv.URL
	cfg.OnExisting, cfg.DeactivateMissing, cfg.ScopePath = importer.OnExistingUpdate, true, "users/staff"
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]int{"1": 1, "2": 1, "3": 1, "4": 1, "5": 2, "6": 1, "7": 1, "8": 1, "9": 1, "10": 1}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages requested %v, want %v: only the failed page again", pages, want)
	}
}
