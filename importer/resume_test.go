package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Resuming a finished run sends nothing, and each resume keeps the earlier report aside
// under its own name, even two within one second.
func TestResumeTwiceKeepsEveryEarlierReport(t *testing.T) {
	const rows = 20
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(rows, "t")))
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	cfg.ResumeFrom = cfg.ReportPath
	for i := range 2 {
		if _, err := importer.Run(context.Background(), cfg); err != nil {
			t.Fatalf("resume %d: %v", i+1, err)
		}
	}
	if st := h.sim.Stats(); st.Creates != rows || st.Requests["POST /core/users/"] != rows {
		t.Errorf("creates %d (requests %d), want %d: the resumes sent rows again", st.Creates, st.Requests["POST /core/users/"], rows)
	}
	if got := readReport(t, cfg.ReportPath); len(got) != rows || countStatus(got)[report.StatusCreated] != rows {
		t.Errorf("the last report has %d rows %v, want %d created", len(got), countStatus(got), rows)
	}
	aside, _ := filepath.Glob(cfg.ReportPath + ".prev-*[0-9Z]") // the reports; their run records moved with them
	if len(aside) != 2 {
		t.Errorf("earlier reports kept: %v, want 2", aside)
	}
}

// Usage errors found before anything is sent: exit 2, no request that writes, and the
// user's files untouched.
func TestRefusedBeforeSending(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	content := usersCSV(5, "x")
	other := h.write("other.csv", usersCSV(6, "y"))
	otherCfg := h.config(other)
	otherCfg.ReportPath = filepath.Join(h.dir, "other-report.csv")
	if _, err := importer.Run(context.Background(), otherCfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	tests := []struct {
		name   string
		adjust func(cfg *importer.Config)
	}{
		{name: "the report is the input", adjust: func(cfg *importer.Config) { cfg.ReportPath = cfg.Input }},
		{name: "the summary is the input", adjust: func(cfg *importer.Config) { cfg.SummaryJSON = cfg.Input }},
		{name: "the metrics file is the input", adjust: func(cfg *importer.Config) { cfg.MetricsFile = cfg.Input }},
		{name: "resume from a report of another file", adjust: func(cfg *importer.Config) { cfg.ResumeFrom = otherCfg.ReportPath }},
		{name: "resume from a report of another file, written over", adjust: func(cfg *importer.Config) {
			cfg.ResumeFrom = otherCfg.ReportPath
			cfg.ReportPath = otherCfg.ReportPath
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := h.write("users.csv", content)
			cfg := h.config(input)
			tt.adjust(&cfg)
			before := writesOf(h.sim.Stats())
			_, err := importer.Run(context.Background(), cfg)
			var usage *importer.UsageError
			if !errors.As(err, &usage) || importer.ExitCode(err) != importer.ExitUsage {
				t.Fatalf("err = %v, want a usage error (exit 2)", err)
			}
			if got := writesOf(h.sim.Stats()); got != before {
				t.Errorf("%d requests that write were sent", got-before)
			}
			if b, _ := os.ReadFile(input); string(b) != content {
				t.Errorf("the input was changed")
			}
			if got := readReport(t, otherCfg.ReportPath); len(got) != 6 {
				t.Errorf("the other file's report has %d rows, want 6", len(got))
			}
		})
	}
}

// A signal before the first row (e.g. during the preflight request) is an interruption
// (exit 130), not a fatal error.
func TestInterruptedBeforeTheFirstRow(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(5, "z")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := importer.Run(ctx, cfg)
	if importer.ExitCode(err) != importer.ExitInterrupted {
		t.Fatalf("err = %v (exit %d), want exit 130", err, importer.ExitCode(err))
	}
	if st := h.sim.Stats(); writesOf(st) != 0 {
		t.Errorf("requests %v, want no writes", st.Requests)
	}
}
