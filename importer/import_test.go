package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

const (
	groupStaff = "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a"
	groupEng   = "3b9e7a12-5c4d-4e8f-a1b2-c3d4e5f60718"
)

// usersCSV makes n valid rows that use every field.
func usersCSV(n int, prefix string) string {
	var b strings.Builder
	b.WriteString("username,name,email,is_active,path,type,groups,attributes,attributes.department,last_login\n")
	for i := range n {
		active := "true"
		if i%7 == 0 {
			active = "false"
		}
		fmt.Fprintf(&b, "%s%04d,User %d,%s%04d@example.com,%s,users/imported,internal,%s;%s,\"{\"\"employee_id\"\": %d}\",Dept %d,2024-05-01T08:30:00Z\n",
			prefix, i, i, prefix, i, active, groupStaff, groupEng, i, i%5)
	}
	return b.String()
}

func TestImportCreatesEveryRowWithEveryField(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(1000, "u")))
	sum, err := importer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, h.log)
	}
	rows := readReport(t, cfg.ReportPath)
	if len(rows) != 1000 || sum.Counts[report.StatusCreated] != 1000 {
		t.Fatalf("report has %d rows, summary %v; want 1000 created", len(rows), sum.Counts)
	}
	for i, r := range rows {
		if r.Status != report.StatusCreated || r.PK == 0 || r.UUID == "" || r.Line != i+2 || r.Attempts != 1 || r.HTTPStatus != 201 {
			t.Fatalf("row %d: %+v", i, r)
		}
	}
	users := h.sim.Users()
	if len(users) != 1000 {
		t.Fatalf("simulator holds %d users, want 1000", len(users))
	}
	for i, u := range users {
		wantActive := i%7 != 0
		if u.Username != fmt.Sprintf("u%04d", i) || u.Name != fmt.Sprintf("User %d", i) || u.Email != fmt.Sprintf("u%04d@example.com", i) ||
			u.IsActive != wantActive || u.Path != "users/imported" || u.Type != "internal" || u.LastLogin == nil ||
			!reflect.DeepEqual(u.Groups, []string{groupStaff, groupEng}) {
			t.Fatalf("user %d: %+v", i, u)
		}
		want := map[string]any{"employee_id": float64(i), "department": fmt.Sprintf("Dept %d", i%5)}
		if !reflect.DeepEqual(normalize(u.Attributes), want) {
			t.Fatalf("user %d attributes %v, want %v", i, u.Attributes, want)
		}
		if n := h.sim.CreateCount(u.Username); n != 1 {
			t.Fatalf("%s created %d times", u.Username, n)
		}
	}
}

func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestInvalidSampleSendsNothing(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("dry-run=%v", dryRun), func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{})
			cfg := h.config("../samples/invalid.csv")
			cfg.DryRun = dryRun
			_, err := importer.Run(context.Background(), cfg)
			if !errors.Is(err, importer.ErrRowsFailed) || importer.ExitCode(err) != 1 {
				t.Fatalf("err = %v, want ErrRowsFailed (exit 1)", err)
			}
			rows := readReport(t, cfg.ReportPath)
			want := map[string]string{
				"":                       "username: This field is required.",
				strings.Repeat("u", 151): "username: Ensure this field has no more than 150 characters.",
				"noname":                 "name: This field is required.",
				"bademail":               "email: Enter a valid email address.",
				"longemail":              "email: Ensure this field has no more than 254 characters.",
				"badactive":              "is_active: Must be a valid boolean.",
				"badlogin":               "last_login: Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
				"badattrs":               "attributes: Value must be a dictionary, and not have any duplicate keys.",
				"leadingslash":           "path: No leading or trailing slashes allowed.",
				"emptysegment":           "path: No empty segments in user path allowed.",
				"badtype":                `type: "admin" is not a valid choice.`,
				"isa":                    "type: Setting a user to internal service account is not allowed.",
			}
			for _, r := range rows {
				if r.Status != report.StatusInvalid {
					t.Errorf("line %d (%s): status %s, want invalid", r.Line, r.Username, r.Status)
				}
				if w, ok := want[r.Username]; ok && !strings.Contains(r.Error, w) {
					t.Errorf("line %d (%s): error %q, want %q", r.Line, r.Username, r.Error, w)
				}
			}
			if len(rows) != 13 {
				t.Errorf("report has %d rows, want 13 (one per input row)", len(rows))
			}
			st := h.sim.Stats()
			if w := writesOf(st); w != 0 || st.Creates != 0 {
				t.Errorf("requests that write: %d (creates %d), want 0; requests: %v", w, st.Creates, st.Requests)
			}
		})
	}
}

func TestOfflineDryRunNeedsNoServer(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(20, "d")))
	cfg.DryRun, cfg.URL, cfg.Token = true, "", ""
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if c := countStatus(rows); c[report.StatusPlanned] != 20 {
		t.Errorf("statuses %v, want 20 planned", c)
	}
	if st := h.sim.Stats(); len(st.Requests) != 0 {
		t.Errorf("requests %v, want none", st.Requests)
	}
}

func TestWrongTokenStopsAtOnce(t *testing.T) {
	// Cases are not named after the tokens: the name is in t.TempDir's path, which is logged.
	for name, token := range map[string]string{"unknown token": "wrong-token-9d8c7b", "token without permission": "read-only-token-5e4f"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, authentiktest.Options{ReadOnlyTokens: []string{"read-only-token-5e4f"}})
			cfg := h.config(h.write("users.csv", usersCSV(200, "w")))
			cfg.Token = token
			cfg.Concurrency = 4
			_, err := importer.Run(context.Background(), cfg)
			var fatal *importer.FatalError
			if !errors.As(err, &fatal) || importer.ExitCode(err) != 3 {
				t.Fatalf("err = %v, want a FatalError (exit 3)", err)
			}
			var total int64
			for _, n := range h.sim.Stats().Requests {
				total += n
			}
			if total > int64(cfg.Concurrency) {
				t.Errorf("%d requests, want at most --concurrency %d", total, cfg.Concurrency)
			}
			report, _ := os.ReadFile(cfg.ReportPath)
			for name, text := range map[string]string{"error": err.Error(), "log": h.log.String(), "report": string(report)} {
				if strings.Contains(text, token) {
					t.Errorf("the token appears in the %s", name)
				}
			}
		})
	}
}

func TestJSONLFromStdinReportToStdout(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	in, err := os.ReadFile("../samples/users.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.config("-")
	cfg.Format = "jsonl"
	cfg.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cfg.Stdout = &out
	cfg.ReportPath = "-"
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v\n%s", err, h.log)
	}
	var rows []report.Result
	if err := report.Read(&out, func(r report.Result) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if c := countStatus(rows); c[report.StatusCreated] != 8 || len(rows) != 8 {
		t.Errorf("statuses %v, want 8 created", c)
	}
	if got := len(h.sim.Users()); got != 8 {
		t.Errorf("simulator holds %d users", got)
	}
}
