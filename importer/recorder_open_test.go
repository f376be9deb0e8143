package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// A second import to the same --report keeps the first report, unchanged, beside the new
// one, and the log says where.
func TestSecondImportKeepsTheFirstReportAside(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(5, "a")))
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("first run: %v", err)
	}
	first, err := os.ReadFile(cfg.ReportPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Input = h.write("more.csv", usersCSV(3, "b"))
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("second run: %v", err)
	}
	aside, _ := filepath.Glob(cfg.ReportPath + ".prev-*[0-9Z]") // the reports; their run records moved with them
	if len(aside) != 1 {
		t.Fatalf("aside copies %v, want 1", aside)
	}
	if got, _ := os.ReadFile(aside[0]); string(got) != string(first) {
		t.Errorf("the aside copy differs from the first report:\n%s\nwant\n%s", got, first)
	}
	if got := readReport(t, cfg.ReportPath); len(got) != 3 {
		t.Errorf("the new report has %d rows, want 3", len(got))
	}
	if !strings.Contains(h.log.String(), `"earlier report kept","path":"`+aside[0]+`"`) {
		t.Errorf("the log does not say where the first report went:\n%s", h.log)
	}
}

// --report-format overrides the format the report's extension gives.
func TestReportFormatOverridesTheExtension(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("users.csv", usersCSV(2, "f")))
	cfg.ReportFormat = "jsonl" // the path ends in .csv
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.ReportPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "{") || !strings.HasPrefix(lines[1], "{") {
		t.Errorf("report is not two JSON lines:\n%s", b)
	}
}
