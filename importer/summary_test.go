package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

func TestSummaryJSONAndMetricsFile(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	cfg := h.config(h.write("u.csv", "username,name,email\nok1,One,\nok2,Two,\nbad,Bad,not-an-email\n"))
	cfg.SummaryJSON = filepath.Join(h.dir, "summary.json")
	cfg.MetricsFile = filepath.Join(h.dir, "akimport.prom")
	_, err := importer.Run(context.Background(), cfg)
	if !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("err %v", err)
	}
	var sum struct {
		Counts   map[string]int `json:"counts"`
		Rows     int            `json:"rows"`
		ExitCode int            `json:"exit_code"`
		Report   string         `json:"report_path"`
	}
	b, err := os.ReadFile(cfg.SummaryJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, b)
	}
	if sum.Rows != 3 || sum.Counts["created"] != 2 || sum.Counts["invalid"] != 1 || sum.ExitCode != 1 || sum.Report != cfg.ReportPath {
		t.Errorf("summary %s", b)
	}
	f, err := os.Open(cfg.MetricsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("metrics do not parse as Prometheus text format: %v", err)
	}
	rows := families["akimport_last_run_rows"]
	if rows == nil {
		t.Fatalf("no akimport_last_run_rows in %v", families)
	}
	for _, m := range rows.GetMetric() {
		if m.GetLabel()[0].GetValue() == "created" && m.GetGauge().GetValue() != 2 {
			t.Errorf("akimport_last_run_rows{status=created} = %v", m.GetGauge().GetValue())
		}
	}
	if !strings.Contains(h.log.String(), "exit code 1") {
		t.Errorf("the summary on stderr does not explain the exit code:\n%s", h.log)
	}
}
