package importer_test

// Outside review (round "review-input"): failing tests for defects found by using akimport as
// an admin would. Each test says what is wrong and what is expected.

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/report"
)

// staffXLSXWithErrorCell is staff rows s000…s009 as a workbook whose username cell of s007
// (sheet row 9) holds a formula error, as a VLOOKUP that found nothing writes it.
func staffXLSXWithErrorCell(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"username", "name", "email", "path"})
	for i := range 10 {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow("Sheet1", cell, &[]any{fmt.Sprintf("s%03d", i), fmt.Sprintf("Staff %d", i), fmt.Sprintf("s%03d@example.com", i), "users/staff"})
	}
	var plain bytes.Buffer
	if err := f.Write(&plain); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	a9 := regexp.MustCompile(`<c r="A9"[^>]*>.*?</c>`)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name == "xl/worksheets/sheet1.xml" {
			data = a9.ReplaceAll(data, []byte(`<c r="A9" t="e"><f>VLOOKUP(C9,Z1:Z2,1,FALSE)</f><v>#N/A</v></c>`))
		}
		w, _ := zw.Create(zf.Name)
		_, _ = w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// templateRows are staff rows s000… split into first ("s") and last ("000") columns.
func templateRows(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "s,%03d,s%03d@example.com,users/staff\n", i, i)
	}
	return b.String()
}

func staffRows(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(staffRow(i))
	}
	return b.String()
}

// --deactivate-missing deactivates a listed person when the file names them in a form that
// is not authentik's byte-for-byte username. Each case was reproduced against aksim with the
// real binary: exit 0 (or 1), the person deactivated, often a lookalike account created.
// Issue 15: "if any row's username cannot be read reliably, refuse the whole deactivation
// with exit 2 and say which lines — never guess who the file meant". Expected for every
// case, dry run and real run: exit 2, nobody deactivated.
func TestReviewDeactivationRefusesUnreliableIdentities(t *testing.T) {
	const header = "username,name,email,path\n"
	tests := []struct {
		name    string
		file    string
		data    []byte
		extra   []authentiktest.SeedUser
		encode  string // --encoding
		mapping string // a --mapping file's YAML
		victim  string // the listed user that must stay active
	}{
		{name: "xlsx username cell with a formula error (#N/A)", file: "hr.xlsx", victim: "s007"},
		{name: "JSONL username with an escaped NUL", file: "hr.jsonl", victim: "s007",
			data: []byte(jsonlStaff(0, 7) + `{"username":"s007\u0000","name":"Staff 7","email":"s007@example.com","path":"users/staff"}` + "\n" + jsonlStaff(8, 10))},
		{name: "JSONL line giving the username twice", file: "hr.jsonl", victim: "s007",
			data: []byte(jsonlStaff(0, 7) + `{"username":"s007","username":"s008","name":"Staff 7","email":"s007@example.com","path":"users/staff"}` + "\n" + jsonlStaff(9, 10))},
		{name: "zero-width space inside a username", file: "hr.csv", victim: "s007",
			data: []byte(header + staffRows(0, 7) + "s00\u200b7,Staff 7,s007@example.com,users/staff\n" + staffRows(8, 10))},
		{name: "UTF-8 file read with --encoding windows-1252", file: "hr.csv", victim: "jörg", encode: "windows-1252",
			extra: []authentiktest.SeedUser{staff("jörg", "Jörg")},
			data:  []byte(header + staffRows(0, 10) + "jörg,Jörg,joerg@example.com,users/staff\n")},
		{name: "decomposed (NFD) username of an NFC user", file: "hr.csv", victim: "josé",
			extra: []authentiktest.SeedUser{staff("josé", "José")},
			data:  []byte(header + staffRows(0, 10) + "jose\u0301,José,jose@example.com,users/staff\n")},
		{name: "username differing only in case", file: "hr.csv", victim: "s007",
			data: []byte(header + staffRows(0, 7) + "S007,Staff 7,s007@example.com,users/staff\n" + staffRows(8, 10))},
		{name: "no-break space inside a username", file: "hr.csv", victim: "john doe",
			extra: []authentiktest.SeedUser{staff("john doe", "John Doe")},
			data:  []byte(header + staffRows(0, 10) + "john\u00a0doe,John Doe,john@example.com,users/staff\n")},
		{name: "username template with an empty column", file: "hr.csv", victim: "s007",
			mapping: "columns:\n  email: email\n  path: path\ntemplates:\n  username: \"{{first}}{{last}}\"\n  name: \"{{first}} {{last}}\"\n",
			data:    []byte("first,last,email,path\n" + templateRows(0, 7) + "s,,s007@example.com,users/staff\n" + templateRows(8, 10))},
		{name: "duplicate username (padded) on another person's row", file: "hr.csv", victim: "s008",
			data: []byte(header + staffRows(0, 7) + "s007 ,Staff 7,s007@example.com,users/staff\n s007,Staff 8,s008@example.com,users/staff\n" + staffRows(9, 10))},
	}
	for _, tt := range tests {
		for _, dry := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/dry-run=%v", tt.name, dry), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, authentiktest.Options{Users: staffSeed(10, tt.extra...)})
				data := tt.data
				if strings.HasSuffix(tt.file, ".xlsx") {
					data = staffXLSXWithErrorCell(t)
				}
				cfg := syncConfig(h, h.write(tt.file, string(data)))
				cfg.DryRun, cfg.Encoding = dry, tt.encode
				if tt.mapping != "" {
					cfg.MappingFile = h.write("mapping.yaml", tt.mapping)
				}
				_, err := importer.Run(context.Background(), cfg)
				code := importer.ExitCode(err)
				if n := deactivations(h.sim); n != 0 {
					t.Errorf("%d user(s) deactivated (exit %d)", n, code)
				}
				if u, ok := h.sim.UserByUsername(tt.victim); !ok || !u.IsActive {
					t.Errorf("%q, whom the file lists, is inactive or gone", tt.victim)
				}
				if dry {
					for _, r := range readReportIfAny(t, cfg.ReportPath) {
						if r.Action == "deactivate" {
							t.Errorf("the dry run plans to deactivate %q", r.Username)
						}
					}
				}
				if code != importer.ExitUsage {
					t.Errorf("exit %d (%v), want %d: the file's identities cannot be trusted", code, err, importer.ExitUsage)
				}
			})
		}
	}
}

// With --send-recovery-email, an inactive user gets no e-mail (issue 15 item 5), but the dry
// run's onboarding cell predicts "would be sent" for it; the real run says "not sent: the
// user is inactive" (reproduced with aksim). Expected: the dry run predicts what the real
// run does.
func TestReviewDryRunPredictsNoEmailForInactiveUser(t *testing.T) {
	h := newHarness(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}})
	cfg := h.config(h.write("u.csv", "username,name,email,is_active\ndormant,Dormant,dormant@example.com,false\n"))
	cfg.SendRecoveryEmail, cfg.DryRun = proofStage.Name, true
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 || strings.Contains(rows[0].Onboarding, "would be sent") {
		t.Errorf("dry run onboarding cell %q for an inactive user; the real run sends none", rows[0].Onboarding)
	}
}

// Not e-mailing an inactive user is akimport's own rule (issue 15 item 5), yet the row
// counts as failed: the run exits 1 ("some rows failed") and the row is not done for
// --resume, which tries again on every resume (and never sends). A nightly job creating
// future hires inactive exits 1 every night. Expected: exit 0, and the row is done.
func TestReviewInactiveUserWithoutEmailIsNotAFailure(t *testing.T) {
	h := newHarness(t, authentiktest.Options{EmailStages: []authentiktest.EmailStage{proofStage}})
	cfg := h.config(h.write("u.csv", "username,name,email,is_active\nactive,Active,active@example.com,true\ndormant,Dormant,dormant@example.com,false\n"))
	cfg.SendRecoveryEmail = proofStage.Name
	_, err := importer.Run(context.Background(), cfg)
	if code := importer.ExitCode(err); code != importer.ExitOK {
		t.Errorf("exit %d (%v), want 0: both users were created as the file asks", code, err)
	}
	for _, r := range readReport(t, cfg.ReportPath) {
		if r.Username == "dormant" && (r.Failed() || !r.Done()) {
			t.Errorf("dormant: status %s, onboarding %q, failed=%v done=%v; want not failed and done", r.Status, r.Onboarding, r.Failed(), r.Done())
		}
	}
}

// The dry run checks the size of a create against authentik's 2.5 MB limit (issue 18) but
// not of an update: a user whose attributes already hold 2 MB, and a row adding 0.7 MB,
// is planned "update: attributes" and then rejected by authentik ("Request body exceeded
// settings.DATA_UPLOAD_MAX_MEMORY_SIZE."), because the PATCH re-sends the merged attributes
// (F-L2). Reproduced with aksim. Expected: the dry run does not plan what the real run
// cannot do.
func TestReviewDryRunPredictsOversizedUpdate(t *testing.T) {
	big := staff("dave", "Dave")
	big.Attributes = map[string]any{"photo": strings.Repeat("A", 2_000_000)}
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{big}})
	cfg := h.config(h.write("u.csv", "username,name,email,path,attributes.cv\ndave,Dave,dave@example.com,users/staff,"+strings.Repeat("B", 700_000)+"\n"))
	cfg.OnExisting, cfg.DryRun = importer.OnExistingUpdate, true
	_, _ = importer.Run(context.Background(), cfg)
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 {
		t.Fatalf("%d report rows", len(rows))
	}
	// The real run sends a PATCH of about 2.7 MB: authentik (and aksim) reject it.
	if r := rows[0]; r.Status == report.StatusPlanned {
		t.Errorf("the dry run plans %q; the real run's PATCH re-sends 2 MB of attributes plus 0.7 MB and is rejected", r.Action)
	}
}

// The dry run with --url checks that group names exist (design: "With --url, also checks
// read-only: groups exist"), but not group UUIDs: a row naming a group by a UUID authentik
// does not have (groups exported from another authentik instance) is planned "create" (or
// "update: groups (+<uuid>…)"), exit 0, and the real run is rejected: `groups: Invalid pk
// "…" - object does not exist.` (reproduced with aksim). Every group was read already.
// Expected: the dry run marks the row invalid, as it does for an unknown name.
func TestReviewDryRunChecksGroupUUIDsExist(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("u.csv", "username,name,groups\nnewg,New G,11111111-2222-4333-8444-555555555555\n"))
	cfg.DryRun = true
	_, err := importer.Run(context.Background(), cfg)
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1 || rows[0].Status != report.StatusInvalid {
		t.Errorf("exit %d; row %+v; want the row invalid: the group does not exist", importer.ExitCode(err), rows)
	}
}

// The run record's fingerprint covers the file's bytes, not which sheet of a workbook was
// read: `--resume` without the first run's `--sheet Leavers` (so the first sheet) is
// accepted, the report's line 2 (old.account, on the other sheet) is carried over as done,
// and line 2 of the sheet read now (kwagner) is never created — "exit code 0: every row
// succeeded" (reproduced with aksim and samples/users.xlsx). Issue 15 item 3: a resume with
// another input is refused. Expected: a resume that reads another sheet is refused (exit 2,
// naming --sheet), or at least kwagner is created.
func TestReviewResumeWithAnotherSheetIsRefused(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "Users")
	_ = f.SetSheetRow("Users", "A1", &[]any{"username", "name"})
	_ = f.SetSheetRow("Users", "A2", &[]any{"kwagner", "Klara Wagner"})
	_, _ = f.NewSheet("Leavers")
	_ = f.SetSheetRow("Leavers", "A1", &[]any{"username", "name", "is_active"})
	_ = f.SetSheetRow("Leavers", "A2", &[]any{"old.account", "Old Account", false})
	var book bytes.Buffer
	if err := f.Write(&book); err != nil {
		t.Fatal(err)
	}
	f.Close()
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("people.xlsx", book.String()))
	cfg.Sheet = "Leavers"
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("first run: %v", err)
	}
	resume := cfg
	resume.Sheet, resume.ResumeFrom, resume.ReportPath = "", cfg.ReportPath, filepath.Join(h.dir, "resumed.csv")
	_, err := importer.Run(context.Background(), resume)
	code := importer.ExitCode(err)
	if _, created := h.sim.UserByUsername("kwagner"); code != importer.ExitUsage && !created {
		t.Errorf("resume of a --sheet Leavers run reading sheet Users: exit %d (%v), kwagner not created; want exit 2 naming --sheet", code, err)
	}
}

// A dry run given the report path of a real import (the default akimport-report.csv, for an
// admin who checks a file after importing it) moves the import's report and its run record
// aside (.prev-<time>) and writes the plan in their place. `akimport undo
// akimport-report.csv` then finds "no run record beside it" and changes nothing, and
// `--resume akimport-report.csv` is refused — the import's proof is under another name
// (reproduced with aksim). Design: "a dry run moves nothing". Expected: after the dry run,
// the import's report and run record are still where they were.
func TestReviewDryRunLeavesTheImportReport(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("u.csv", "username,name\nnu1,N1\nnu2,N2\n"))
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("import: %v", err)
	}
	dry := cfg
	dry.DryRun, dry.OnExisting = true, importer.OnExistingUpdate
	_, _ = importer.Run(context.Background(), dry)
	if _, err := os.Stat(record.RunPath(cfg.ReportPath)); err != nil {
		t.Errorf("the import's run record is gone from beside %s after a dry run: %v", cfg.ReportPath, err)
	}
	if c := countStatus(readReport(t, cfg.ReportPath)); c[report.StatusCreated] != 2 {
		t.Errorf("%s now holds %v, not the import's 2 created rows", cfg.ReportPath, c)
	}
}

// A --metrics-file (or --summary-json) in a directory that does not exist — a typo in the
// node-exporter textfile directory of a cron job — is found only after the import: the users
// are created, "exit code 0: every row succeeded" is printed, then an ERROR line, and the
// process exits 0; the metrics never appear and nothing fails (reproduced with aksim).
// Expected: the path is checked before anything is sent (exit 2, nothing created), like
// --report.
func TestReviewUnwritableMetricsFileIsAUsageError(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("u.csv", "username,name\nm1,M1\n"))
	cfg.MetricsFile = filepath.Join(h.dir, "no-such-dir", "akimport.prom")
	_, err := importer.Run(context.Background(), cfg)
	_, created := h.sim.UserByUsername("m1")
	if code := importer.ExitCode(err); code != importer.ExitUsage || created {
		t.Errorf("exit %d (%v), m1 created: %v; want exit 2 before any write", code, err, created)
	}
}

// --scope-path users/staf (a typo of users/staff) matches no user: every nightly sync then
// deactivates nobody, exit 0, and says only, at info level, "deactivation planned users 0
// active_in_scope 0" (reproduced with aksim: the file's 40 users all live under
// users/staff). Expected: a warning (or a usage error) that no active user is under the
// scope path.
func TestReviewEmptyScopeWarns(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Users: staffSeed(10)})
	cfg := syncConfig(h, h.write("hr.csv", "username,name,email,path\n"+staffRows(0, 9)))
	cfg.ScopePath = "users/staf"
	_, err := importer.Run(context.Background(), cfg)
	if importer.ExitCode(err) == importer.ExitUsage {
		return
	}
	warned := false
	for line := range strings.Lines(h.log.String()) {
		if strings.Contains(line, `"level":"warn"`) && strings.Contains(line, "users/staf") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that --scope-path users/staf holds no user; log:\n%s", h.log.String())
	}
}

// A run whose set_password failed leaves "created, password not set"; the dry run of its
// --resume plans "finish the earlier run's create: set the password, send the recovery
// e-mail" although no --send-recovery-email was given, and the real resume sends none. The
// planned row also keeps the earlier run's error text. Expected: the dry run's action names
// only what the resume will do, and a planned row carries no stale error.
func TestReviewDryRunResumeNamesOnlyWhatItWillDo(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	h := newHarnessWrapped(t, authentiktest.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() && strings.HasSuffix(r.URL.Path, "/set_password/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{}`)) // as an LDAP-synced authentik refusing (F-L3)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	cfg := h.config(h.write("u.csv", "username,name,password\nr1,R1,Pw-aaaa-1\n"))
	cfg.Retries = 0
	_, _ = importer.Run(context.Background(), cfg)
	fail.Store(false)
	dry := cfg
	dry.DryRun, dry.ResumeFrom, dry.ReportPath = true, cfg.ReportPath, filepath.Join(h.dir, "dry.csv")
	if _, err := importer.Run(context.Background(), dry); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	rows := readReport(t, dry.ReportPath)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	if r := rows[0]; strings.Contains(r.Action, "e-mail") || (r.Status == report.StatusPlanned && r.Error != "") {
		t.Errorf("dry run row: status %s, action %q, error %q; no recovery e-mail was asked for", r.Status, r.Action, r.Error)
	}
}
