package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Issue 15 item 6 (What to build 3: exact attributes): updating one attribute re-sends the
// others exactly as authentik gave them, integers beyond 2^53 included.
func TestProofAttributesKeptExactly(t *testing.T) {
	attrs := map[string]any{
		"big":    json.Number("9007199254740993"),
		"f":      1.5, // authentik (Python) answers 1.50 as 1.5
		"nested": map[string]any{"n": json.Number("12345678901234567890")},
		"dept":   "old",
	}
	seed := []authentiktest.SeedUser{{User: authentik.User{Username: "bob", Name: "Bob", Email: "bob@example.com", IsActive: true, Attributes: attrs}}}
	tests := []struct {
		name, file, content string
		lookup              importer.LookupMode
	}{
		{"attributes.dept column, snapshot", "u.csv", "username,name,email,attributes.dept\nbob,Bob,bob@example.com,new\n", importer.LookupSnapshot},
		{"attributes.dept column, per-row", "u.csv", "username,name,email,attributes.dept\nbob,Bob,bob@example.com,new\n", importer.LookupPerRow},
		{"JSONL attributes object", "u.jsonl", `{"username":"bob","name":"Bob","email":"bob@example.com","attributes":{"dept":"new"}}` + "\n", importer.LookupAuto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, authentiktest.Options{Users: seed})
			before := rawAttributes(t, h.sim, "bob")
			cfg := h.config(h.write(tt.file, tt.content))
			cfg.OnExisting, cfg.Lookup = importer.OnExistingUpdate, tt.lookup
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			after := rawAttributes(t, h.sim, "bob")
			if string(after["dept"]) != `"new"` {
				t.Errorf("dept %s, want \"new\": the update did not happen", after["dept"])
			}
			for _, k := range []string{"big", "f", "nested"} {
				if !bytes.Equal(before[k], after[k]) {
					t.Errorf("attribute %s: %s before, %s after; the update must re-send it exactly", k, before[k], after[k])
				}
			}
		})
	}
}

// rawAttributes is a user's attributes as authentik sends them, each value's raw JSON.
func rawAttributes(t *testing.T, sim *authentiktest.Server, username string) map[string]json.RawMessage {
	t.Helper()
	raw, ok := sim.UserJSON(username)
	if !ok {
		t.Fatalf("no user %s", username)
	}
	var u struct {
		Attributes map[string]json.RawMessage `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return u.Attributes
}

// importOf imports usernames (with e-mails) and returns the report's path.
func importOf(t *testing.T, h *harness, name string, usernames ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("username,name,email\n")
	for _, u := range usernames {
		b.WriteString(u + ",User " + u + "," + u + "@example.com\n")
	}
	cfg := h.config(h.write(name+".csv", b.String()))
	cfg.ReportPath = filepath.Join(h.dir, name+"-report.csv")
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return cfg.ReportPath
}

// Issue 15 item 7 (What to build 4): a DELETE whose answer was lost, retried and answered
// 404, deleted the user: the undo reports it `deleted`, not skipped.
func TestProofUndoRetriedDeleteIsDeleted(t *testing.T) {
	var lost atomic.Bool
	h := newHarnessWrapped(t, authentiktest.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && lost.CompareAndSwap(false, true) {
				actThenLose(next, w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	rep := importOf(t, h, "one", "alice")
	u := h.undoConfig(rep)
	u.Delete = true
	if _, err := importer.Undo(context.Background(), u); err != nil {
		t.Fatalf("Undo: %v", err)
	}
	if _, exists := h.sim.UserByUsername("alice"); exists || !lost.Load() {
		t.Fatalf("alice exists %v, lost answer %v: the setup failed", exists, lost.Load())
	}
	rows := readUndoReport(t, u.ReportPath)
	if got := rows["alice"]["status"]; got != "deleted" {
		t.Errorf("alice: %s (%s), want deleted: the first DELETE went through", got, rows["alice"]["error"])
	}
}

// Issue 15 item 7 (What to build 4): a second undo moves the first undo's report aside
// instead of overwriting it.
func TestProofUndoReportMovedAside(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	rep := importOf(t, h, "one", "alice", "bob")
	u := h.undoConfig(rep)
	if _, err := importer.Undo(context.Background(), u); err != nil {
		t.Fatalf("undo 1: %v", err)
	}
	first, err := os.ReadFile(u.ReportPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Undo(context.Background(), u); err != nil && !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("undo 2: %v", err)
	}
	entries, _ := os.ReadDir(h.dir)
	for _, e := range entries {
		p := filepath.Join(h.dir, e.Name())
		if b, _ := os.ReadFile(p); p != u.ReportPath && bytes.Equal(b, first) {
			return // kept
		}
	}
	t.Errorf("the first undo's report was overwritten: no file in %s holds it", h.dir)
}

// Issue 15 item 7 (What to build 4, design "undo reports use the report's statuses"): an
// undo report reads back with report.ReadFile, statuses deactivated, skipped and deleted.
func TestProofUndoReportReadsBack(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	first := importOf(t, h, "one", "alice", "bob", "carol")
	second := importOf(t, h, "two", "dave", "erin")
	h.sim.ReplaceUser("carol") // skipped: replaced by hand
	tests := []struct {
		report string
		delete bool
		want   map[string]report.Status
	}{
		{first, false, map[string]report.Status{"alice": "deactivated", "bob": "deactivated", "carol": "skipped"}},
		{second, true, map[string]report.Status{"dave": "deleted", "erin": "deleted"}},
	}
	for i, tt := range tests {
		u := h.undoConfig(tt.report)
		u.Delete, u.ReportPath = tt.delete, filepath.Join(h.dir, "undo-"+string(rune('a'+i))+".jsonl")
		if _, err := importer.Undo(context.Background(), u); err != nil {
			t.Fatalf("undo %d: %v", i+1, err)
		}
		got := map[string]report.Status{}
		if err := report.ReadFile(u.ReportPath, func(r report.Result) error { got[r.Username] = r.Status; return nil }); err != nil {
			t.Errorf("undo %d: report.ReadFile: %v", i+1, err)
			continue
		}
		if !mapsEqual(got, tt.want) {
			t.Errorf("undo %d: statuses %v, want %v", i+1, got, tt.want)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Issue 15 item 1 (What to build 4: "undo looks up rows the import left uncertain"): rows
// an import could not settle (creates whose answers were lost, lookups that failed) are
// looked up by username and taken back only above the pk mark: the new users are undone,
// the pre-existing twins in the same file are not touched.
func TestProofUndoLooksUpUncertainRows(t *testing.T) {
	var settle atomic.Bool // once set, the server behaves
	h := newHarnessWrapped(t, authentiktest.Options{Users: preSeed(2)}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case settle.Load():
			case isCreateRequest(r):
				actThenLose(next, w, r)
				return
			case r.Method == http.MethodGet && r.URL.Path == "/api/v3/core/users/" && rowUsername(r.URL.Query().Get("username")):
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	cfg := h.config(h.write("u.csv", proofCSV(2, 4, secretPassword)))
	cfg.Lookup, cfg.OnExisting, cfg.Retries = importer.LookupPerRow, importer.OnExistingSkip, 1
	if _, err := importer.Run(context.Background(), cfg); importer.ExitCode(err) != importer.ExitRowsFailed {
		t.Fatalf("import: %v, want rows failed; log:\n%s", err, h.log)
	}
	uncertain := 0
	for _, r := range readReport(t, cfg.ReportPath) {
		if _, exists := h.sim.UserByUsername(r.Username); exists && strings.HasPrefix(r.Username, "new") && r.Status != report.StatusCreated {
			uncertain++
		}
	}
	if uncertain == 0 {
		t.Fatalf("setup: no new user was created with its row left uncertain; report %+v", readReport(t, cfg.ReportPath))
	}
	settle.Store(true)
	if _, err := importer.Undo(context.Background(), h.undoConfig(cfg.ReportPath)); err != nil && !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("Undo: %v", err)
	}
	for _, u := range names("new", 4) {
		if got, ok := h.sim.UserByUsername(u); ok && got.IsActive {
			t.Errorf("%s, created by the import (its row uncertain), is still active after undo", u)
		}
	}
	checkPreUntouched(t, h.sim, names("pre", 2))
}

// rowUsername tells the usernames of proofCSV's rows (not the preflight's own lookups).
func rowUsername(u string) bool { return strings.HasPrefix(u, "pre") || strings.HasPrefix(u, "new") }

// answerRoute answers the requests whose path ends in suffix with a status and body, once
// (or always when always is set), before authentik sees them; it returns how many it answered.
func answerRoute(suffix string, status int, body string, always bool) (func(http.Handler) http.Handler, *atomic.Int64) {
	n := &atomic.Int64{}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix) && (always || n.Load() == 0) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(body))
				return
			}
			next.ServeHTTP(w, r)
		})
	}, n
}

// Issue 15 item 7 (What to build 5): a hash authentik refuses still leaves the user its
// recovery e-mail, and the row says so.
func TestProofRefusedHashStillSendsRecoveryEmail(t *testing.T) {
	wrap, refused := answerRoute("/set_password_hash/", http.StatusBadRequest, `{"password":["Invalid password hash: no enabled hasher can decode it."]}`, true)
	h := newHarnessWrapped(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}}, wrap)
	cfg := h.config(h.write("u.csv", "username,name,email,password_hash\nalice,Alice,alice@example.com,"+rowHash("alice")+"\n"))
	cfg.SendRecoveryEmail = proofStage.Name
	_, _ = importer.Run(context.Background(), cfg)
	if refused.Load() == 0 {
		t.Fatal("setup: no set_password_hash was sent")
	}
	if n := h.sim.Writes("alice").RecoveryEmails; n != 1 {
		t.Errorf("alice got %d recovery e-mails, want 1: a refused hash leaves her the e-mail", n)
	}
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 || rows[0].Onboarding != report.OnboardingSent {
		t.Errorf("row %+v: want its onboarding cell %q", rows, report.OnboardingSent)
	}
	if len(rows) == 1 && !strings.Contains(rows[0].Error+strings.Join(rows[0].Warnings, ";"), "hash") {
		t.Errorf("row %+v does not say the hash was refused", rows[0])
	}
}

// Issue 15 item 7 (What to build 5): an inactive user gets no recovery e-mail.
func TestProofNoRecoveryEmailToInactiveUsers(t *testing.T) {
	h := newHarness(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}})
	cfg := h.config(h.write("u.csv", "username,name,email,is_active\nactive,Active,active@example.com,true\ndormant,Dormant,dormant@example.com,false\n"))
	cfg.SendRecoveryEmail = proofStage.Name
	dry := cfg
	dry.DryRun, dry.ReportPath = true, filepath.Join(h.dir, "dry.csv")
	_, _ = importer.Run(context.Background(), dry)
	_, _ = importer.Run(context.Background(), cfg)
	if n := h.sim.Writes("dormant").RecoveryEmails; n != 0 {
		t.Errorf("dormant (inactive) got %d recovery e-mails, want 0", n)
	}
	if n := h.sim.Writes("active").RecoveryEmails; n != 1 {
		t.Errorf("active got %d recovery e-mails, want 1", n)
	}
	for _, r := range readReport(t, cfg.ReportPath) {
		if r.Username == "dormant" && r.Onboarding == report.OnboardingSent {
			t.Errorf("dormant's onboarding cell says %q", r.Onboarding)
		}
	}
}

// Issue 15 item 7 (What to build 5): --send-recovery-email with a stage UUID authentik does
// not have stops at the preflight (exit 2), before any write.
func TestProofUnknownStageUUIDStopsAtPreflight(t *testing.T) {
	h := newHarness(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}})
	cfg := h.config(h.write("u.csv", "username,name,email\nalice,Alice,alice@example.com\n"))
	cfg.SendRecoveryEmail = authentiktest.NameUUID("no such stage")
	_, err := importer.Run(context.Background(), cfg)
	if code := importer.ExitCode(err); code != importer.ExitUsage {
		t.Errorf("exit %d (%v), want %d", code, err, importer.ExitUsage)
	}
	if n := writeRequests(h.sim.Stats()); n != 0 {
		t.Errorf("%d write requests before the stage was found missing, want 0", n)
	}
}

// Issue 15 item 7 (What to build 5): a recovery e-mail whose answer does not prove it was
// not sent is not retried (the user would get two) and is reported "not retried".
func TestProofRecoveryEmailNotRetriedAfterUnclearAnswer(t *testing.T) {
	tests := []struct {
		name   string
		answer func(next http.Handler, w http.ResponseWriter, r *http.Request)
	}{
		{"answer lost", actThenLose},
		{"act then 503", func(next http.Handler, w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusServiceUnavailable)
		}},
		{"act then 504", func(next http.Handler, w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusGatewayTimeout)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var once atomic.Bool
			h := newHarnessWrapped(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}}, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/recovery_email/") && once.CompareAndSwap(false, true) {
						tt.answer(next, w, r)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			cfg := h.config(h.write("u.csv", "username,name,email\nalice,Alice,alice@example.com\n"))
			cfg.SendRecoveryEmail = proofStage.Name
			_, _ = importer.Run(context.Background(), cfg)
			if n := h.sim.Writes("alice").RecoveryEmails; n != 1 {
				t.Errorf("alice got %d recovery e-mails, want 1", n)
			}
			rows := readReport(t, cfg.ReportPath)
			if len(rows) != 1 || !strings.Contains(rows[0].Onboarding, "not retried") {
				t.Errorf("rows %+v: want the onboarding cell to say the e-mail is unknown, \"not retried\"", rows)
			}
		})
	}
}

// Issue 15 item 7 (What to build 5): a cell of the password_hash column is never quoted,
// whatever it holds (a plaintext password in the wrong column, an unknown algorithm).
func TestProofHashCellNeverQuoted(t *testing.T) {
	cells := []string{"tr0ub4dor&3-horse-battery-staple", "tr0ub4dorhorse$battery", "sha3_tr0ub4dor$1000$salt$aGFzaA==",
		"md5$tr0ub4dorSecret$0123456789abcdef", "{SSHA}tr0ub4dorSecretBase64=="}
	for _, cell := range cells {
		for _, dry := range []bool{true, false} {
			h := newHarness(t, authentiktest.Options{})
			cfg := h.config(h.write("u.csv", "username,name,password_hash\nalice,Alice,"+cell+"\n"))
			cfg.DryRun = dry
			cfg.SummaryJSON = filepath.Join(h.dir, "summary.json")
			_, _ = importer.Run(context.Background(), cfg)
			out, _ := os.ReadFile(cfg.ReportPath)
			sum, _ := os.ReadFile(cfg.SummaryJSON)
			for name, text := range map[string]string{"report": string(out), "log": h.log.String(), "summary": string(sum)} {
				if strings.Contains(strings.ToLower(text), "tr0ub4dor") {
					t.Errorf("cell %q, dry run %v: the %s quotes it:\n%s", cell, dry, name, text)
				}
			}
		}
	}
}

// redirectClient sends every request to addr, whatever the URL's host: a non-loopback URL
// served by the local simulator.
func redirectClient(addr string) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// Issue 15 item 7 (What to build 5): password hashes sent over plain http to a host that is
// not loopback are warned about, as passwords are.
func TestProofHashesOverPlainHTTPWarn(t *testing.T) {
	tests := []struct{ name, column, cell, want string }{
		{"password (the warning exists)", "password", rowPassword("alice"), "password"},
		{"password_hash", "password_hash", rowHash("alice"), "hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{})
			cfg := h.config(h.write("u.csv", "username,name,"+tt.column+"\nalice,Alice,"+tt.cell+"\n"))
			cfg.URL = "http://authentik.example.test"
			cfg.HTTPClient = redirectClient(h.srv.Listener.Addr().String())
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("Run: %v; log:\n%s", err, h.log)
			}
			if !h.sim.CheckPassword("alice", rowPassword("alice")) {
				t.Fatal("setup: alice's password was not set through the redirecting client")
			}
			var warned bool
			for _, line := range strings.Split(h.log.String(), "\n") {
				l := strings.ToLower(line)
				if strings.Contains(l, `"level":"warn"`) && strings.Contains(l, tt.want) &&
					(strings.Contains(l, "unencrypted") || strings.Contains(l, "not https") || strings.Contains(l, "plain http")) {
					warned = true
				}
			}
			if !warned {
				t.Errorf("no warning that the %s travels over plain http; log:\n%s", tt.column, h.log)
			}
		})
	}
}

// devNull is /dev/null, or, when the tests run as root (a bug could move the real one
// aside), a device of its kind in the test's directory.
func devNull(t *testing.T, dir string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return os.DevNull
	}
	p := filepath.Join(dir, "null")
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("cannot make a null device as root: %v", err)
	}
	return p
}

// Issue 15 item 7 (What to build 4): --report /dev/null works: exit 0 when every user was
// created (and the device is neither moved nor replaced).
func TestProofReportDevNull(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("u.csv", "username,name\nalice,Alice\nbob,Bob\n"))
	cfg.ReportPath = devNull(t, h.dir)
	_, err := importer.Run(context.Background(), cfg)
	if code := importer.ExitCode(err); code != importer.ExitOK {
		t.Errorf("exit %d (%v), want 0", code, err)
	}
	if h.sim.CreateCount("alice") != 1 || h.sim.CreateCount("bob") != 1 {
		t.Error("the users were not created")
	}
	if fi, err := os.Stat(cfg.ReportPath); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a character device: %v", cfg.ReportPath, err)
	}
}

// Issue 15 item 7 (What to build 6): with --scope-path the snapshot holds only the scope; a
// listed user outside it is one the real run updates, and the dry run predicts that update.
func TestProofDryRunPredictsUpdateOutsideScope(t *testing.T) {
	outside := authentiktest.SeedUser{User: authentik.User{Username: "outside", Name: "Old Name", Email: "outside@example.com", IsActive: true, Path: "users/other"}}
	h := newHarness(t, authentiktest.Options{Users: staffSeed(5, outside)})
	var b strings.Builder
	b.WriteString("username,name,email,path\n")
	for i := range 5 {
		b.WriteString(staffRow(i))
	}
	b.WriteString("outside,New Name,outside@example.com,users/other\n")
	cfg := syncConfig(h, h.write("hr.csv", b.String()))
	dry := cfg
	dry.DryRun, dry.ReportPath = true, filepath.Join(h.dir, "dry.csv")
	if _, err := importer.Run(context.Background(), dry); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	predicted, real := reportByUser(t, readReport(t, dry.ReportPath))["outside"], reportByUser(t, readReport(t, cfg.ReportPath))["outside"]
	if real.Status != report.StatusUpdated {
		t.Fatalf("setup: the real run says %s for outside, want updated", real.Status)
	}
	if !strings.HasPrefix(predicted.Action, "update") {
		t.Errorf("the dry run predicts %q for outside; the real run updated it", predicted.Action)
	}
	if h.sim.CreateCount("outside") != 0 {
		t.Error("outside was created")
	}
}

// dirFiles is each file of a directory with its content.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = string(b)
	}
	return out
}

// checkNothingMoved checks that every file of before is still in dir, unchanged.
func checkNothingMoved(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := dirFiles(t, dir)
	for name, content := range before {
		if got, ok := after[name]; !ok || got != content {
			t.Errorf("%s was moved or changed (still there: %v)", name, ok)
		}
	}
}

// Issue 15 item 4 (passwords lost across resumes): a run leaves "created, password not set"
// rows; a --resume that is a dry run moves nothing and predicts finishing those creates
// (not `exists`); a --resume that stops at its preflight loses nothing either; a last
// --resume then sets every password, each user created once.
func TestProofPasswordsSurviveResumes(t *testing.T) {
	var failLists atomic.Bool // read by every subtest's server: they do not run in parallel
	tests := []struct {
		name      string
		interrupt func(t *testing.T, h *harness, resume importer.Config)
	}{
		{"dry-run resume onto the same report", func(t *testing.T, h *harness, resume importer.Config) {
			before := dirFiles(t, h.dir)
			dry := resume
			dry.DryRun = true
			_, _ = importer.Run(context.Background(), dry) // refused or written elsewhere: the engine's choice
			checkNothingMoved(t, h.dir, before)
		}},
		{"dry-run resume", func(t *testing.T, h *harness, resume importer.Config) {
			before := dirFiles(t, h.dir)
			dry := resume
			dry.DryRun, dry.ReportPath = true, filepath.Join(t.TempDir(), "dry.csv")
			if _, err := importer.Run(context.Background(), dry); importer.ExitCode(err) > importer.ExitRowsFailed {
				t.Fatalf("dry-run resume: %v", err)
			}
			checkNothingMoved(t, h.dir, before)
			for _, r := range readReport(t, dry.ReportPath) {
				if r.Status == report.StatusExists || !strings.Contains(strings.ToLower(r.Action), "password") && !strings.Contains(strings.ToLower(r.Action), "finish") {
					t.Errorf("line %d %s: predicted %s %q, want it to finish the earlier run's create (set the password)", r.Line, r.Username, r.Status, r.Action)
				}
			}
		}},
		{"resume stopped at the preflight (403)", func(t *testing.T, h *harness, resume importer.Config) {
			bad := resume
			bad.Token = "not-the-token"
			if _, err := importer.Run(context.Background(), bad); importer.ExitCode(err) != importer.ExitFatal {
				t.Fatalf("resume with a refused token: %v, want exit 3", err)
			}
		}},
		{"resume stopped once the users cannot be read (exit 3)", func(t *testing.T, h *harness, resume importer.Config) {
			failLists.Store(true)
			defer failLists.Store(false)
			bad := resume
			bad.Lookup, bad.Retries = importer.LookupSnapshot, 0
			if _, err := importer.Run(context.Background(), bad); importer.ExitCode(err) != importer.ExitFatal {
				t.Fatalf("resume that cannot read the users: %v, want exit 3", err)
			}
		}},
		{"resume stopped at the preflight (no such stage)", func(t *testing.T, h *harness, resume importer.Config) {
			bad := resume
			bad.SendRecoveryEmail = "no such stage"
			if _, err := importer.Run(context.Background(), bad); importer.ExitCode(err) != importer.ExitUsage {
				t.Fatalf("resume with a missing stage: %v, want exit 2", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users := names("new", 6)
			h := newHarnessWrapped(t, authentiktest.Options{Faults: authentiktest.Faults{ServiceUnavailable: 1, Routes: []string{authentiktest.RouteSetPassword}}},
				func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if failLists.Load() && r.Method == http.MethodGet && r.URL.Path == "/api/v3/core/users/" && r.URL.Query().Get("username") == "" {
							w.WriteHeader(http.StatusServiceUnavailable)
							return
						}
						next.ServeHTTP(w, r)
					})
				})
			cfg := h.config(h.write("u.csv", proofCSV(0, 6, secretPassword)))
			cfg.Retries = 0
			if _, err := importer.Run(context.Background(), cfg); !errors.Is(err, importer.ErrRowsFailed) {
				t.Fatalf("run 1: %v, want rows failed (password not set)", err)
			}
			for _, u := range users {
				if h.sim.CheckPassword(u, rowPassword(u)) {
					t.Fatalf("setup: %s's password was set by run 1", u)
				}
			}
			if err := h.sim.SetFaults(authentiktest.Faults{}); err != nil {
				t.Fatal(err)
			}
			resume := cfg
			resume.ResumeFrom, resume.Retries = cfg.ReportPath, 3
			tt.interrupt(t, h, resume)
			if _, err := importer.Run(context.Background(), resume); err != nil {
				t.Fatalf("last resume: %v; log:\n%s", err, h.log)
			}
			rows := readReport(t, cfg.ReportPath)
			if len(rows) != len(users) {
				t.Errorf("the last report has %d rows, want %d", len(rows), len(users))
			}
			reportByUser(t, rows)
			for _, u := range users {
				if !h.sim.CheckPassword(u, rowPassword(u)) {
					t.Errorf("%s: the password was never set", u)
				}
				if n := h.sim.CreateCount(u); n != 1 {
					t.Errorf("%s created %d times", u, n)
				}
			}
		})
	}
}
