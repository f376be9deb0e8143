package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fakeNow is a clock that moves only when told.
type fakeNow struct{ t time.Time }

func (c *fakeNow) Now() time.Time { return c.t }

var runStart = time.Date(2025, 11, 25, 9, 0, 0, 0, time.UTC)

// sampleSummary tallies sampleResults over 4 seconds.
func sampleSummary(t *testing.T) Summary {
	t.Helper()
	clock := &fakeNow{t: runStart}
	tally := NewTally(clock.Now)
	for _, r := range sampleResults() {
		tally.Add(r)
	}
	clock.t = runStart.Add(4 * time.Second)
	s := tally.Summary()
	s.ReportPath = "akimport-report.csv"
	s.ExitCode = 1
	s.ExitMeaning = "some rows are invalid, rejected or failed"
	return s
}

func TestTally(t *testing.T) {
	s := sampleSummary(t)
	wantCounts := map[Status]int64{
		StatusCreated: 1, StatusUpdated: 1, StatusUnchanged: 1, StatusDeactivated: 1,
		StatusExists: 2, StatusPlanned: 1, StatusInvalid: 1, StatusRejected: 1, StatusFailed: 2,
		StatusDeleted: 0, StatusSkipped: 0,
	}
	if !reflect.DeepEqual(s.Counts, wantCounts) {
		t.Errorf("Counts = %v, want %v", s.Counts, wantCounts)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"rows", s.Rows, int64(11)},
		{"failed (exists with error, invalid, rejected, 2 failed)", s.Failed, int64(5)},
		{"retries (5 + 2)", s.Retries, int64(7)},
		{"elapsed", s.ElapsedSeconds, 4.0},
		{"rows per second", s.RowsPerSecond, 2.75},
		{"started", s.StartedAt, runStart},
		{"finished", s.FinishedAt, runStart.Add(4 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestTallyEmptyRun(t *testing.T) {
	clock := &fakeNow{t: runStart}
	s := NewTally(clock.Now).Summary()
	if s.Rows != 0 || s.RowsPerSecond != 0 || len(s.Counts) != len(statusOrder) {
		t.Errorf("empty summary = %+v, want zero rows, zero rate, every status counted", s)
	}
}

func TestSnapshotCount(t *testing.T) {
	tally := NewTally(nil)
	tally.Add(Result{Status: StatusCreated, Attempts: 1})
	tally.Add(Result{Status: StatusCreated, Attempts: 3})
	tally.Add(Result{Status: "bogus"})
	snap := tally.Snapshot()
	tests := []struct {
		name      string
		got, want int64
	}{
		{"created", snap.Count(StatusCreated), 2},
		{"failed", snap.Count(StatusFailed), 0},
		{"unknown status", snap.Count("bogus"), 0},
		{"rows include unknown", snap.Rows, 3},
		{"retries", snap.Retries, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name   string
		golden string
		edit   func(*Summary)
	}{
		{"failed run", "summary.golden.txt", func(*Summary) {}},
		{"invalid breakdown", "summary-problems.golden.txt", func(s *Summary) {
			s.Counts[StatusInvalid] = 12205
			s.InvalidProblems = []ProblemCount{{"email", "Enter a valid email address.", 12020}, {"username", "This field must be unique.", 80}, {"", "Invalid data.", 3}}
			s.InvalidOtherProblems = 102
		}},
		{"dry run", "summary-dry-run.golden.txt", func(s *Summary) {
			s.Counts = map[Status]int64{StatusPlanned: 12345, StatusInvalid: 3}
			s.Rows, s.Failed, s.Retries = 12348, 3, 0
			s.ElapsedSeconds, s.RowsPerSecond = 75.2, 164.2
			s.DryRun = true
			s.ExitCode, s.ExitMeaning = 0, "every row is valid"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSummary(t)
			tt.edit(&s)
			var buf bytes.Buffer
			if err := WriteText(&buf, s); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			golden(t, tt.golden, buf.Bytes())
		})
	}
}

func TestWriteJSON(t *testing.T) {
	s := sampleSummary(t)
	path := filepath.Join(t.TempDir(), "summary.json")
	if err := WriteJSON(path, s); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden.json", data)

	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("summary JSON does not decode: %v", err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("decoded summary = %+v, want %+v", back, s)
	}
}

func TestWritePrometheusParses(t *testing.T) {
	tests := []struct {
		name        string
		exitCode    int
		dryRun      bool
		wantSuccess bool
	}{
		{"failed run", 1, false, false},
		{"successful run", 0, false, true},
		{"successful dry run", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSummary(t)
			s.ExitCode, s.DryRun = tt.exitCode, tt.dryRun
			var buf bytes.Buffer
			if err := WritePrometheus(&buf, s); err != nil {
				t.Fatalf("WritePrometheus: %v", err)
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(&buf)
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, buf.String())
			}

			rows := families["akimport_last_run_rows"]
			if rows == nil || len(rows.GetMetric()) != len(statusOrder) {
				t.Fatalf("akimport_last_run_rows = %v, want one sample per status", rows)
			}
			for _, m := range rows.GetMetric() {
				status := Status(m.GetLabel()[0].GetValue())
				if got, want := m.GetGauge().GetValue(), float64(s.Counts[status]); got != want {
					t.Errorf("akimport_last_run_rows{status=%q} = %v, want %v", status, got, want)
				}
			}
			finished := float64(s.FinishedAt.Unix())
			want := map[string]float64{
				"akimport_last_run_retries":           7,
				"akimport_last_run_carried_over_rows": 0,
				"akimport_duration_seconds":           4,
				"akimport_last_run_timestamp_seconds": finished,
				"akimport_exit_code":                  float64(tt.exitCode),
			}
			if tt.wantSuccess {
				want["akimport_last_success_timestamp_seconds"] = finished
			}
			for name, value := range want {
				if got := sampleValue(t, families, name); got != value {
					t.Errorf("%s = %v, want %v", name, got, value)
				}
			}
			if _, ok := families["akimport_last_success_timestamp_seconds"]; ok != tt.wantSuccess {
				t.Errorf("akimport_last_success_timestamp_seconds present = %v, want %v", ok, tt.wantSuccess)
			}
			// The sample's one recovery e-mail was sent: a family with a sample per result.
			emails := families["akimport_last_run_recovery_emails"]
			if emails == nil || len(emails.GetMetric()) != 2 {
				t.Fatalf("akimport_recovery_emails = %v, want sent and not_sent", emails)
			}
			for _, m := range emails.GetMetric() {
				wantN := map[string]float64{"sent": 1, "not_sent": 0}[m.GetLabel()[0].GetValue()]
				if m.GetGauge().GetValue() != wantN {
					t.Errorf("akimport_recovery_emails{result=%q} = %v, want %v", m.GetLabel()[0].GetValue(), m.GetGauge().GetValue(), wantN)
				}
			}
			if got, want := len(families), len(want)+2; got != want { // + the two labelled families
				t.Errorf("%d metric families, want %d", got, want)
			}
		})
	}
}

// sampleValue returns the value of the family's only sample, whatever its type.
func sampleValue(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("%s: want one sample, got %v", name, f)
	}
	if f.GetHelp() == "" {
		t.Errorf("%s has no HELP", name)
	}
	m := f.GetMetric()[0]
	if f.GetType() == dto.MetricType_COUNTER {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestWritePrometheusFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "akimport.prom")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WritePrometheusFile(path, sampleSummary(t)); err != nil {
		t.Fatalf("WritePrometheusFile: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "# TYPE akimport_exit_code gauge\nakimport_exit_code 1\n") {
		t.Errorf("file content:\n%s", data)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("mode = %v, want 0644 so the collector can read it", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the metrics file (no temporary left)", len(entries))
	}

	if err := WritePrometheusFile(filepath.Join(dir, "missing", "x.prom"), sampleSummary(t)); err == nil {
		t.Error("WritePrometheusFile into a missing directory: want an error")
	}
}

func TestInvalidBreakdown(t *testing.T) {
	tally := NewTally(nil)
	// 12 kinds: kind k has k+1 rows; every row also has the shared problem.
	shared := Problem{"username", "This field may not be blank."}
	for k := range 12 {
		for range k + 1 {
			tally.Add(Result{Line: 2, Status: StatusInvalid, Problems: []Problem{{"email", fmt.Sprintf("kind %02d", k)}, shared}})
		}
	}
	tally.Add(Result{Line: 2, Status: StatusRejected, Problems: []Problem{shared}}) // not invalid: not counted
	s := tally.Summary()
	want := []ProblemCount{{"username", "This field may not be blank.", 78}}
	for k := 11; len(want) < topProblems; k-- {
		want = append(want, ProblemCount{"email", fmt.Sprintf("kind %02d", k), int64(k + 1)})
	}
	if !reflect.DeepEqual(s.InvalidProblems, want) {
		t.Errorf("InvalidProblems = %v, want %v", s.InvalidProblems, want)
	}
	if s.InvalidOtherProblems != 1+2+3 { // kinds 00, 01, 02
		t.Errorf("InvalidOtherProblems = %d, want 6", s.InvalidOtherProblems)
	}

	// Memory stays bounded whatever the messages: kinds beyond the cap count as other.
	tally = NewTally(nil)
	for i := range maxProblemKinds + 5 {
		tally.Add(Result{Status: StatusInvalid, Problems: []Problem{{"email", strconv.Itoa(i)}}})
	}
	if len(tally.problems) != maxProblemKinds || tally.Summary().InvalidOtherProblems != maxProblemKinds+5-topProblems {
		t.Errorf("%d kinds kept, other %d", len(tally.problems), tally.Summary().InvalidOtherProblems)
	}
}

func TestWriteSummaryLine(t *testing.T) {
	s := sampleSummary(t)
	s.InvalidProblems = []ProblemCount{{"email", "Enter a valid email address.", 1}}
	var buf bytes.Buffer
	if err := WriteSummaryLine(&buf, s); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("want exactly one line, got %q", line)
	}
	var got struct {
		Summary
		Level string `json:"level"`
		TS    string `json:"ts"`
		Msg   string `json:"msg"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v: %s", err, line)
	}
	if got.Level != "info" || got.Msg != "summary" || got.TS != "2025-11-25T09:00:04.000Z" {
		t.Errorf("level %q ts %q msg %q", got.Level, got.TS, got.Msg)
	}
	if !reflect.DeepEqual(got.Summary, s) {
		t.Errorf("fields = %+v, want %+v", got.Summary, s)
	}
	if !strings.HasPrefix(line, `{"level":"info","ts":`) {
		t.Errorf("zap puts level, ts and msg first: %s", line)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1 000", 1234567: "1 234 567", -1234: "-1 234", -123: "-123"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
