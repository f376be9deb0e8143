package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Issue 5's acceptance: 500 users exist; a file of 1 000 rows where 250 of them changed name
// or e-mail → 500 created, 250 updated, 250 unchanged, exactly 250 PATCH requests.
func TestOnExistingUpdate(t *testing.T) {
	var seed []authentiktest.SeedUser
	for i := range 500 {
		seed = append(seed, authentiktest.SeedUser{User: authentik.User{
			Username: fmt.Sprintf("e%04d", i), Name: fmt.Sprintf("Employee %d", i),
			Email: fmt.Sprintf("e%04d@example.com", i), IsActive: true, Path: "users/staff",
		}})
	}
	h := newHarness(t, authentiktest.Options{Users: seed})
	var b strings.Builder
	b.WriteString("username,name,email,path\n")
	for i := range 1000 {
		name, email := fmt.Sprintf("Employee %d", i), fmt.Sprintf("e%04d@example.com", i)
		switch {
		case i < 125:
			name += " (renamed)"
		case i < 250:
			email = fmt.Sprintf("e%04d@new.example.com", i)
		}
		fmt.Fprintf(&b, "e%04d,%s,%s,users/staff\n", i, name, email)
	}
	cfg := h.config(h.write("hr.csv", b.String()))
	cfg.OnExisting = importer.OnExistingUpdate
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := countStatus(readReport(t, cfg.ReportPath))
	want := map[report.Status]int{report.StatusCreated: 500, report.StatusUpdated: 250, report.StatusUnchanged: 250}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if n := h.sim.Stats().Requests[authentiktest.RoutePatchUser]; n != 250 {
		t.Errorf("%d PATCH requests, want 250", n)
	}
	u, _ := h.sim.UserByUsername("e0007")
	if u.Name != "Employee 7 (renamed)" {
		t.Errorf("e0007 name %q", u.Name)
	}
	u, _ = h.sim.UserByUsername("e0200")
	if u.Email != "e0200@new.example.com" {
		t.Errorf("e0200 email %q", u.Email)
	}
}

func TestOnExistingSkipAndFail(t *testing.T) {
	tests := []struct {
		mode     importer.OnExisting
		wantErr  error
		wantFail bool
	}{
		{importer.OnExistingSkip, nil, false},
		{importer.OnExistingFail, importer.ErrRowsFailed, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{Users: authentiktest.SeedUsers("taken")})
			cfg := h.config(h.write("u.csv", "username,name\ntaken,Someone Else\nfresh,Fresh User\n"))
			cfg.OnExisting = tt.mode
			_, err := importer.Run(context.Background(), cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			rows := readReport(t, cfg.ReportPath)
			if rows[0].Status != report.StatusExists || rows[0].Failed() != tt.wantFail || rows[1].Status != report.StatusCreated {
				t.Errorf("rows %+v", rows)
			}
			if u, _ := h.sim.UserByUsername("taken"); u.Name != "taken" {
				t.Errorf("the existing user was changed: %+v", u)
			}
		})
	}
}

// hrState is the simulator's users under users/staff: username → "name|email|active|dept|groups".
func hrState(sim *authentiktest.Server) map[string]string {
	groupNames := map[string]string{}
	for _, g := range sim.Groups() {
		groupNames[g.PK] = g.Name
	}
	m := map[string]string{}
	for _, u := range sim.Users() {
		if u.Path != "users/staff" {
			continue
		}
		var gs []string
		for _, g := range u.Groups {
			gs = append(gs, groupNames[g])
		}
		sort.Strings(gs)
		m[u.Username] = fmt.Sprintf("%s|%s|%v|%v|%s", u.Name, u.Email, u.IsActive, u.Attributes["department"], strings.Join(gs, ";"))
	}
	return m
}

// wantHRState is what an HR file describes: every row active with its fields.
func wantHRState(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, ",")
		gs := strings.Split(f[4], ";")
		sort.Strings(gs)
		m[f[0]] = fmt.Sprintf("%s|%s|true|%s|%s", f[1], f[2], f[5], strings.Join(gs, ";"))
	}
	return m
}

func TestNightlyHRSync(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{
		// Outside the scope: never touched.
		{User: authentik.User{Username: "admin", Name: "Admin", IsActive: true, Path: "users"}},
	}})
	sync := func(file string) (importer.Config, error) {
		cfg := h.config(file)
		cfg.OnExisting = importer.OnExistingUpdate
		cfg.DeactivateMissing = true
		cfg.ScopePath = "users/staff"
		_, err := importer.Run(context.Background(), cfg)
		return cfg, err
	}
	if _, err := sync("../samples/hr-day1.csv"); err != nil {
		t.Fatalf("day 1: %v\n%s", err, h.log)
	}
	if got, want := hrState(h.sim), wantHRState(t, "../samples/hr-day1.csv"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after day 1:\n got %v\nwant %v", got, want)
	}

	// An export that came out empty must not lock anyone out: exit 2, nothing changed.
	before := h.sim.Stats().Writes
	_, err := sync(h.write("empty.csv", "username,name,email,path,groups,attributes.department,attributes.employee_id\n"))
	if importer.ExitCode(err) != importer.ExitUsage || !strings.Contains(fmt.Sprint(err), "--max-deactivate") {
		t.Fatalf("empty day 2: err %v (exit %d), want exit 2 naming --max-deactivate", err, importer.ExitCode(err))
	}
	if after := h.sim.Stats().Writes; after != before {
		t.Fatalf("the aborted sync made %d writes", after-before)
	}

	// The dry run with --url predicts day 2 exactly, and writes nothing.
	cfg := h.config("../samples/hr-day2.csv")
	cfg.DryRun, cfg.OnExisting, cfg.DeactivateMissing, cfg.ScopePath = true, importer.OnExistingUpdate, true, "users/staff"
	cfg.ReportPath = filepath.Join(h.dir, "plan.csv") // a dry run never moves a real run's report aside
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if after := h.sim.Stats().Writes; after != before {
		t.Fatalf("the dry run made %d writes", after-before)
	}
	plan := map[string]string{}
	for _, r := range readReport(t, cfg.ReportPath) {
		plan[r.Username] = r.Action
	}

	cfg, err = sync("../samples/hr-day2.csv")
	if err != nil {
		t.Fatalf("day 2: %v\n%s", err, h.log)
	}
	want := wantHRState(t, "../samples/hr-day2.csv")
	want["gus.hansen"] = "Gus Hansen|gus.hansen@example.com|false|Sales|sales;staff"
	if got := hrState(h.sim); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after day 2:\n got %v\nwant %v", got, want)
	}
	if u, _ := h.sim.UserByUsername("admin"); !u.IsActive {
		t.Error("a user outside the scope was deactivated")
	}
	// Compare the prediction with what happened.
	did := map[string]string{}
	for _, r := range readReport(t, cfg.ReportPath) {
		switch r.Status {
		case report.StatusCreated:
			did[r.Username] = "create"
		case report.StatusUnchanged:
			did[r.Username] = "unchanged"
		case report.StatusUpdated:
			did[r.Username] = strings.Replace(r.Action, "updated ", "update: ", 1)
		case report.StatusDeactivated:
			did[r.Username] = "deactivate"
		default:
			did[r.Username] = string(r.Status)
		}
	}
	if fmt.Sprint(plan) != fmt.Sprint(did) {
		t.Errorf("the dry run predicted\n%v\nthe run did\n%v", plan, did)
	}
	counts := map[string]int{}
	for _, a := range did {
		counts[strings.SplitN(a, ":", 2)[0]]++
	}
	if counts["create"] != 2 || counts["update"] != 3 || counts["deactivate"] != 1 || counts["unchanged"] != 16 {
		t.Errorf("day 2 did %v", counts)
	}
}

func TestGroupsByName(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	in := h.write("g.csv", "username,name,groups\nann,Ann,staff;engineering\nbob,Bob,staff;no-such-group\ncid,Cid,"+groupStaff+";sales\n")
	for _, dry := range []bool{true, false} {
		cfg := h.config(in)
		cfg.DryRun = dry
		_, err := importer.Run(context.Background(), cfg)
		if !errors.Is(err, importer.ErrRowsFailed) {
			t.Fatalf("dry=%v: err %v, want ErrRowsFailed", dry, err)
		}
		rows := readReport(t, cfg.ReportPath)
		if rows[1].Status != report.StatusInvalid || !strings.Contains(rows[1].Error, `"no-such-group"`) {
			t.Errorf("dry=%v: bob %+v", dry, rows[1])
		}
	}
	ann, _ := h.sim.UserByUsername("ann")
	cid, _ := h.sim.UserByUsername("cid")
	if len(ann.Groups) != 2 || len(cid.Groups) != 2 {
		t.Errorf("groups: ann %v, cid %v", ann.Groups, cid.Groups)
	}
	if n := h.sim.Stats().Requests[authentiktest.RouteListGroups]; n > 8 {
		t.Errorf("%d group lookups for 4 distinct names in each of two runs: names must be cached", n)
	}
}

func TestPasswordsAreSetAndNeverReported(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config("../samples/users.csv")
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if pw, ok := h.sim.PasswordOf("jdoe"); !ok || pw != "Correct-Horse-Battery-9" {
		t.Errorf("jdoe's password not set: %q %v", pw, ok)
	}
	rep, _ := os.ReadFile(cfg.ReportPath)
	for _, secret := range []string{"Correct-Horse-Battery-9", "Li-Chen-Demo-Passw0rd"} {
		if strings.Contains(string(rep), secret) || strings.Contains(h.log.String(), secret) {
			t.Errorf("a password leaked into the report or the log")
		}
	}
}

func TestPasswordFailureIsFinishedByResume(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Faults: authentiktest.Faults{ServiceUnavailable: 1, Routes: []string{authentiktest.RouteSetPassword}}})
	in := h.write("p.csv", "username,name,password\npat,Pat,S3cret-Value-1\n")
	cfg := h.config(in)
	cfg.Retries = 1
	_, err := importer.Run(context.Background(), cfg)
	if !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("err %v", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if rows[0].Status != report.StatusFailed || !strings.HasPrefix(rows[0].Error, "created, password not set") {
		t.Fatalf("row %+v", rows[0])
	}
	if err := h.sim.SetFaults(authentiktest.Faults{}); err != nil {
		t.Fatal(err)
	}
	cfg.ResumeFrom = cfg.ReportPath
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("resume: %v\n%s", err, h.log)
	}
	if pw, _ := h.sim.PasswordOf("pat"); pw != "S3cret-Value-1" || h.sim.CreateCount("pat") != 1 {
		t.Errorf("after resume: password %v, created %d times", pw != "", h.sim.CreateCount("pat"))
	}
	if rows := readReport(t, cfg.ReportPath); len(rows) != 1 || rows[0].Status != report.StatusCreated {
		t.Errorf("final report %+v", rows)
	}
}

func TestDuplicateEmailWarnings(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{
		{User: authentik.User{Username: "old.account", Name: "Old", Email: "shared@example.com", IsActive: true}},
	}})
	in := h.write("e.csv", "username,name,email\nann,Ann,ann@example.com\nann2,Ann Again,ann@example.com\nnew,New,shared@example.com\n")
	cfg := h.config(in)
	cfg.DryRun = true
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if w := strings.Join(rows[1].Warnings, " "); !strings.Contains(w, "line 2") {
		t.Errorf("in-file duplicate: warnings %q, want one naming line 2", w)
	}
	if w := strings.Join(rows[2].Warnings, " "); !strings.Contains(w, "old.account") {
		t.Errorf("duplicate in authentik: warnings %q, want one naming old.account", w)
	}
	if len(rows[0].Warnings) != 0 {
		t.Errorf("first row warned: %q", rows[0].Warnings)
	}
	for _, r := range rows {
		if r.Status != report.StatusPlanned {
			t.Errorf("line %d: %s, want planned (a duplicate e-mail is allowed, F-U5)", r.Line, r.Status)
		}
	}
}

func TestLegacyMigrationWithMapping(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config("../samples/legacy.csv")
	cfg.MappingFile = "../samples/mapping.yaml"
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v\n%s", err, h.log)
	}
	rows := readReport(t, cfg.ReportPath)
	if c := countStatus(rows); c[report.StatusCreated] != len(rows) || len(rows) != 12 {
		t.Errorf("statuses %v, want 12 created", c)
	}
	for _, u := range h.sim.Users() {
		if u.Username != strings.ToLower(strings.TrimSpace(u.Username)) || u.Name == "" {
			t.Errorf("user not mapped: %+v", u)
		}
	}

	// A typo in the mapping (a column the file lacks) is a usage error before any request.
	typo, err := os.ReadFile("../samples/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := h.write("typo.yaml", strings.Replace(string(typo), "login:", "logn:", 1))
	h2 := newHarness(t, authentiktest.Options{})
	cfg = h2.config("../samples/legacy.csv")
	cfg.MappingFile = bad
	_, err = importer.Run(context.Background(), cfg)
	if importer.ExitCode(err) != importer.ExitUsage || !strings.Contains(err.Error(), "logn") {
		t.Fatalf("typo: err %v (exit %d), want exit 2 naming the column", err, importer.ExitCode(err))
	}
	if n := len(h2.sim.Stats().Requests); n != 0 {
		t.Errorf("requests were made: %v", h2.sim.Stats().Requests)
	}
}

// The online dry run predicts each --on-existing mode, with each --lookup and with
// --reactivate: what it says a row would do is what the real run then does.
func TestDryRunPredictsEachOnExistingMode(t *testing.T) {
	type setting struct {
		mode       importer.OnExisting
		lookup     importer.LookupMode
		reactivate bool
	}
	var settings []setting
	for _, mode := range []importer.OnExisting{importer.OnExistingFail, importer.OnExistingSkip, importer.OnExistingUpdate} {
		for _, lookup := range []importer.LookupMode{importer.LookupAuto, importer.LookupSnapshot, importer.LookupPerRow} {
			settings = append(settings, setting{mode, lookup, false})
		}
	}
	settings = append(settings, setting{importer.OnExistingUpdate, importer.LookupSnapshot, true}, setting{importer.OnExistingUpdate, importer.LookupPerRow, true})
	for _, st := range settings {
		t.Run(fmt.Sprintf("%s/%s/reactivate=%v", st.mode, st.lookup, st.reactivate), func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{
				{User: authentik.User{Username: "same", Name: "Same", IsActive: true, Path: "users"}},
				{User: authentik.User{Username: "other", Name: "Old Name", IsActive: true, Path: "users"}},
				{User: authentik.User{Username: "dormant", Name: "Dormant", IsActive: false, Path: "users"}},
			}})
			in := h.write("m.csv", "username,name\nsame,Same\nother,New Name\nfresh,Fresh\ndormant,Dormant\n")
			cfg := h.config(in)
			cfg.OnExisting, cfg.Lookup, cfg.Reactivate, cfg.DryRun = st.mode, st.lookup, st.reactivate, true
			_, dryErr := importer.Run(context.Background(), cfg)
			plan := readReport(t, cfg.ReportPath)
			if h.sim.Stats().Writes != 0 {
				t.Fatalf("the dry run wrote")
			}
			cfg.DryRun = false
			_, realErr := importer.Run(context.Background(), cfg)
			done := readReport(t, cfg.ReportPath)
			if importer.ExitCode(dryErr) != importer.ExitCode(realErr) {
				t.Errorf("exit codes: dry run %d, real run %d", importer.ExitCode(dryErr), importer.ExitCode(realErr))
			}
			want := map[report.Status]string{report.StatusCreated: "create", report.StatusUpdated: "update", report.StatusUnchanged: "unchanged"}
			if len(done) != 4 || len(plan) != 4 {
				t.Fatalf("reports of %d and %d rows, want 4", len(plan), len(done))
			}
			for i := range done {
				p, d := plan[i], done[i]
				predicted := strings.SplitN(p.Action, ":", 2)[0]
				switch d.Status {
				case report.StatusExists:
					if (p.Status != report.StatusExists || !p.Failed()) && predicted != "skip (exists)" {
						t.Errorf("line %d: plan %s/%q, the run said exists", d.Line, p.Status, p.Action)
					}
					if p.Failed() != d.Failed() {
						t.Errorf("line %d: plan failed=%v, run failed=%v", d.Line, p.Failed(), d.Failed())
					}
				case report.StatusUpdated:
					if predicted != "update" && predicted != "reactivate" || (predicted == "reactivate") != strings.HasPrefix(d.Action, "reactivated") {
						t.Errorf("line %d: plan %q, the run did %s (%s)", d.Line, p.Action, d.Status, d.Action)
					}
				default:
					if want[d.Status] != predicted {
						t.Errorf("line %d: plan %q, the run did %s", d.Line, p.Action, d.Status)
					}
				}
			}
		})
	}
}
