package main

import (
	"fmt"
	"os"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parseMetricsFile parses an akimport --metrics-file with Prometheus' own text parser and
// returns the number of metric families in it.
func parseMetricsFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("metrics file: %w", err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		return 0, fmt.Errorf("metrics file %s is not Prometheus text format: %w", path, err)
	}
	return len(families), nil
}
