package importer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// staffSeed returns n active users s000… in users/staff, plus extra.
func staffSeed(n int, extra ...authentiktest.SeedUser) []authentiktest.SeedUser {
	seed := make([]authentiktest.SeedUser, 0, n+len(extra))
	for i := range n {
		seed = append(seed, staff(fmt.Sprintf("s%03d", i), fmt.Sprintf("Staff %d", i)))
	}
	return append(seed, extra...)
}

// staffRow is the CSV row that lists s<i> as it is in authentik.
func staffRow(i int) string {
	return fmt.Sprintf("s%03d,Staff %d,s%03d@example.com,users/staff\n", i, i, i)
}

// syncConfig is a nightly sync of users/staff.
func syncConfig(h *harness, input string) importer.Config {
	cfg := h.config(input)
	cfg.OnExisting, cfg.DeactivateMissing, cfg.ScopePath = importer.OnExistingUpdate, true, "users/staff"
	cfg.MaxDeactivate = importer.DeactivateLimit{Value: 100, Percent: true}
	return cfg
}

// deactivations counts the is_active=false PATCHes the simulator carried out.
func deactivations(sim *authentiktest.Server) int {
	n := 0
	for _, u := range sim.Users() {
		n += sim.Writes(u.Username).Deactivations
	}
	return n
}

// Issue 15 item 5 (design: "deactivation needs every identity"): when a row's username
// cannot be read reliably, --deactivate-missing deactivates nobody and the run exits 2
// naming the lines; the dry run exits 2 as well.
func TestProofDeactivationNeedsEveryIdentity(t *testing.T) {
	const header = "username,name,email,path\n"
	rows := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			b.WriteString(staffRow(i))
		}
		return b.String()
	}
	// A stray quote in s050's name swallows the next 100 lines up to s150's closing quote:
	// one "valid" row with a 100-line name and s150's e-mail.
	stray := header + rows(0, 50) + "s050,\"Staff 50,s050@example.com,users/staff\n" + rows(51, 150) +
		"s150,Staff 150\",s150@example.com,users/staff\n" + rows(151, 200)
	tests := []struct {
		name, file, content string
		users               int
		wantLines           []int // the input lines the message names
	}{
		{name: "CSV row with a bare quote", file: "hr.csv", users: 10, wantLines: []int{9},
			content: header + rows(0, 7) + "s007,Staff \"7\" O\"Brien,s007@example.com,users/staff\n" + rows(8, 10)},
		{name: "stray quote swallows 100 lines", file: "hr.csv", users: 200, wantLines: []int{52}, content: stray},
		{name: "JSONL line with a trailing comma", file: "hr.jsonl", users: 10, wantLines: []int{8},
			content: jsonlStaff(0, 7) + `{"username":"s007","name":"Staff 7","email":"s007@example.com","path":"users/staff",}` + "\n" + jsonlStaff(8, 10)},
		{name: "JSONL line that is not an object", file: "hr.jsonl", users: 10, wantLines: []int{4},
			content: jsonlStaff(0, 3) + `["s003"]` + "\n" + jsonlStaff(4, 10)},
		{name: "empty username", file: "hr.csv", users: 10, wantLines: []int{5},
			content: header + rows(0, 3) + ",Staff 3,s003@example.com,users/staff\n" + rows(4, 10)},
		{name: "line break inside a username", file: "hr.csv", users: 10, wantLines: []int{6},
			content: header + rows(0, 4) + "\"s0\n04\",Staff 4,s004@example.com,users/staff\n" + rows(5, 10)},
	}
	for _, tt := range tests {
		for _, dry := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/dry-run=%v", tt.name, dry), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, authentiktest.Options{Users: staffSeed(tt.users)})
				cfg := syncConfig(h, h.write(tt.file, tt.content))
				cfg.DryRun = dry
				sum, err := importer.Run(context.Background(), cfg)
				if code := importer.ExitCode(err); code != importer.ExitUsage {
					t.Fatalf("exit %d (%v), want %d: a row whose username cannot be read must stop every deactivation", code, err, importer.ExitUsage)
				}
				for _, line := range tt.wantLines {
					if !regexp.MustCompile(`\b` + fmt.Sprint(line) + `\b`).MatchString(err.Error()) {
						t.Errorf("the error does not name line %d: %v", line, err)
					}
				}
				if n := deactivations(h.sim); n != 0 {
					t.Errorf("%d users deactivated, want none", n)
				}
				if dry && sum.Counts[report.StatusPlanned] > 0 {
					for _, r := range readReportIfAny(t, cfg.ReportPath) {
						if r.Action == "deactivate" {
							t.Errorf("the dry run plans to deactivate %s", r.Username)
						}
					}
				}
				for _, u := range h.sim.Users() {
					if !u.IsActive {
						t.Errorf("%s is inactive", u.Username)
					}
				}
			})
		}
	}
}

func jsonlStaff(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `{"username":"s%03d","name":"Staff %d","email":"s%03d@example.com","path":"users/staff"}`+"\n", i, i, i)
	}
	return b.String()
}

// readReportIfAny reads a report that may not have been written.
func readReportIfAny(t *testing.T, path string) []report.Result {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	return readReport(t, path)
}

// Issue 15 item 5 (design: "re-read before destroying"): the token's own user is never
// deactivated, even with --allow-superusers; another superuser only with it.
func TestProofDeactivationSparesTokenUserAndSuperusers(t *testing.T) {
	tests := []struct {
		name            string
		allowSuperusers bool
		wantRootActive  bool
	}{
		{"without --allow-superusers", false, true},
		{"with --allow-superusers", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			admin, root := staff("akadmin", "authentik Default Admin"), staff("root2", "Another Admin")
			admin.IsSuperuser, root.IsSuperuser = true, true
			h := newHarness(t, authentiktest.Options{Users: staffSeed(10, admin, root), TokenUsername: "akadmin"})
			// The file lists s000..s007: s008, s009, akadmin and root2 are missing.
			var b strings.Builder
			b.WriteString("username,name,email,path\n")
			for i := range 8 {
				b.WriteString(staffRow(i))
			}
			cfg := syncConfig(h, h.write("hr.csv", b.String()))
			cfg.AllowSuperusers = tt.allowSuperusers
			dry := cfg
			dry.DryRun, dry.ReportPath = true, filepath.Join(h.dir, "dry.csv")
			if _, err := importer.Run(context.Background(), dry); importer.ExitCode(err) > importer.ExitRowsFailed {
				t.Fatalf("dry run: %v", err)
			}
			for _, r := range readReport(t, dry.ReportPath) {
				if r.Username == "akadmin" && r.Action == "deactivate" {
					t.Error("the dry run plans to deactivate the token's own user")
				}
			}
			if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) > importer.ExitRowsFailed {
				t.Fatalf("Run: %v", err)
			}
			if w := h.sim.Writes("akadmin"); w.Deactivations != 0 || w.Deletes != 0 {
				t.Errorf("the token's own user was deactivated: %+v", w)
			}
			if u, _ := h.sim.UserByUsername("root2"); u.IsActive != tt.wantRootActive {
				t.Errorf("root2 (a superuser) active = %v, want %v", u.IsActive, tt.wantRootActive)
			}
			for _, u := range []string{"s008", "s009"} {
				if got, _ := h.sim.UserByUsername(u); got.IsActive {
					t.Errorf("%s, a leaver, is still active", u)
				}
			}
		})
	}
}

// Issue 15 item 5 (design: "re-read before destroying"): a user changed by hand after the
// scope was read and before its deactivation is re-read first and left alone when it is no
// longer an active user of the scope with the same uuid.
func TestProofDeactivationRereadsFirst(t *testing.T) {
	tests := []struct {
		name   string
		change func(sim *authentiktest.Server)
	}{
		{"moved out of the scope", func(sim *authentiktest.Server) {
			sim.UpdateUser("s009", func(u *authentik.User) { u.Path = "users/former" })
		}},
		{"made a superuser", func(sim *authentiktest.Server) {
			sim.UpdateUser("s009", func(u *authentik.User) { u.IsSuperuser = true })
		}},
		{"replaced by another user of the same name", func(sim *authentiktest.Server) {
			sim.ReplaceUser("s009")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var listed, changed atomic.Bool
			var h *harness
			// The change happens once the users have been listed, just before the first
			// request about one user (a create, a re-read, a PATCH): after the snapshot, before
			// any deactivation.
			h = newHarnessWrapped(t, authentiktest.Options{Users: staffSeed(10)}, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					rest, isUsers := strings.CutPrefix(r.URL.Path, "/api/v3/core/users/")
					oneUser := isUsers && (rest != "" && rest != "me/" || r.Method == http.MethodPost)
					if oneUser && listed.Load() && changed.CompareAndSwap(false, true) {
						tt.change(h.sim)
					}
					next.ServeHTTP(w, r)
					if isUsers && rest == "" && r.Method == http.MethodGet && r.URL.Query().Get("username") == "" {
						listed.Store(true)
					}
				})
			})
			var b strings.Builder
			b.WriteString("username,name,email,path\n")
			for i := range 8 {
				b.WriteString(staffRow(i))
			}
			b.WriteString("hire0,Hire,hire0@example.com,users/staff\n")
			cfg := syncConfig(h, h.write("hr.csv", b.String()))
			if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) > importer.ExitRowsFailed {
				t.Fatalf("Run: %v", err)
			}
			if !changed.Load() {
				t.Fatal("setup: no request about one user came after the listing: s009 was not changed mid-run")
			}
			if w := h.sim.Writes("s009"); w.Deactivations != 0 {
				t.Errorf("s009 was deactivated after it changed: %+v", w)
			}
			if got, _ := h.sim.UserByUsername("s008"); got.IsActive {
				t.Error("s008, an unchanged leaver, is still active")
			}
		})
	}
}

// Issue 15 item 7 (design: "a deactivation that was sent and not answered is reported"): a
// deactivation PATCH carried out whose answer is lost is reported, `failed` with "may have
// been deactivated" (or `deactivated` if the run proved it), never left out.
func TestProofUnansweredDeactivationReported(t *testing.T) {
	h := newHarnessWrapped(t, authentiktest.Options{Users: staffSeed(10)}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isUserPatch(r) {
				actThenLose(next, w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	var b strings.Builder
	b.WriteString("username,name,email,path\n")
	for i := range 9 {
		b.WriteString(staffRow(i))
	}
	cfg := syncConfig(h, h.write("hr.csv", b.String()))
	cfg.Retries = 2
	_, _ = importer.Run(context.Background(), cfg)
	if w := h.sim.Writes("s009"); w.Deactivations == 0 {
		t.Fatalf("s009's deactivation never reached the simulator: %+v; log:\n%s", w, h.log)
	}
	rows := readReport(t, cfg.ReportPath)
	var found bool
	for _, r := range rows {
		if r.Username != "s009" {
			continue
		}
		found = true
		ok := r.Status == report.StatusDeactivated || (r.Status == report.StatusFailed && strings.Contains(r.Error, "may have been deactivated"))
		if !ok {
			t.Errorf("s009: %s %q, want failed \"may have been deactivated\" (or deactivated, if proven)", r.Status, r.Error)
		}
	}
	if !found {
		t.Errorf("s009's deactivation, sent and unanswered, is not in the report: %+v", rows)
	}
}

// Issue 15 item 5 (What to build 2: "the metrics file and --summary-json are written on
// every exit"): when the --max-deactivate limit stops a run (exit 2), both hold this run's
// figures, not the previous run's.
func TestProofLimitStopWritesThisRunsFigures(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: staffSeed(20)})
	var all strings.Builder
	all.WriteString("username,name,email,path\n")
	for i := range 20 {
		all.WriteString(staffRow(i))
	}
	cfg := syncConfig(h, h.write("hr.csv", all.String()))
	cfg.SummaryJSON, cfg.MetricsFile = filepath.Join(h.dir, "summary.json"), filepath.Join(h.dir, "akimport.prom")
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("run 1: %v", err)
	}
	// Run 2: an export that came out with only 2 rows: 18 of 20 would go, over a 5 % limit.
	cfg.Input = h.write("short.csv", "username,name,email,path\n"+staffRow(0)+staffRow(1))
	cfg.MaxDeactivate = importer.DeactivateLimit{Value: 5, Percent: true}
	_, err := importer.Run(context.Background(), cfg)
	if code := importer.ExitCode(err); code != importer.ExitUsage {
		t.Fatalf("run 2: exit %d (%v), want %d (the limit)", code, err, importer.ExitUsage)
	}
	if n := deactivations(h.sim); n != 0 {
		t.Errorf("%d deactivated although the limit stopped the run", n)
	}
	b, err := os.ReadFile(cfg.SummaryJSON)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		ExitCode int `json:"exit_code"`
	}
	if err := json.Unmarshal(b, &sum); err != nil || sum.ExitCode != importer.ExitUsage {
		t.Errorf("--summary-json says exit code %d (%v), want %d: it must hold this run's figures\n%s", sum.ExitCode, err, importer.ExitUsage, b)
	}
	m, err := os.ReadFile(cfg.MetricsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^akimport_exit_code 2$`).Match(m) {
		t.Errorf("--metrics-file does not say akimport_exit_code 2:\n%s", m)
	}
}
