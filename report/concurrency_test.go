package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"
)

func TestConcurrencyInSummary(t *testing.T) {
	s := Summary{Counts: map[Status]int64{StatusCreated: 3}, Rows: 3,
		Concurrency: &Concurrency{Mode: "auto", Limit: 18, MinSeen: 9, MaxSeen: 24, MaxConcurrency: 64, Decreases: 5}}
	var text bytes.Buffer
	if err := WriteText(&text, s); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\nconcurrency +18 \(auto, seen 9-24\)\n`).MatchString(text.String()) {
		t.Errorf("text summary lacks the concurrency:\n%s", text.String())
	}
	var prom bytes.Buffer
	if err := WritePrometheus(&prom, s); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&prom)
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	for name, want := range map[string]float64{
		"akimport_concurrency_limit": 18, "akimport_concurrency_limit_min_seen": 9,
		"akimport_concurrency_limit_max_seen": 24, "akimport_concurrency_limit_decreases": 5,
	} {
		f := families[name]
		if f == nil {
			t.Errorf("no %s", name)
			continue
		}
		m := f.GetMetric()[0]
		got := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// A fixed --concurrency shows nothing new: the number given is the concurrency.
	s.Concurrency = nil
	text.Reset()
	prom.Reset()
	_ = WriteText(&text, s)
	_ = WritePrometheus(&prom, s)
	if strings.Contains(text.String(), "concurrency") || strings.Contains(prom.String(), "concurrency") {
		t.Errorf("concurrency shown without --concurrency auto:\n%s\n%s", text.String(), prom.String())
	}
}

func TestConcurrencyInProgress(t *testing.T) {
	f := computeFigures(Snapshot{Rows: 10}, 2*time.Second, InputPosition{}, 5)
	if strings.Contains(renderBar(f), "limit") {
		t.Errorf("bar shows a limit without one: %q", renderBar(f))
	}
	f.limit = 14
	if bar := renderBar(f); !strings.Contains(bar, "  limit 14") {
		t.Errorf("bar %q lacks the limit", bar)
	}
	found := false
	for _, field := range logFields(f) {
		if field.Key == "concurrency_limit" && field.Equals(zap.Int("concurrency_limit", 14)) {
			found = true
		}
	}
	if !found {
		t.Errorf("log fields %v lack concurrency_limit", logFields(f))
	}
}
