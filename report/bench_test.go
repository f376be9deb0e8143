package report

import (
	"io"
	"testing"
)

// BenchmarkCSVWriter is the report's cost per row (a dry run writes one per input row).
func BenchmarkCSVWriter(b *testing.B) {
	rows := sampleResults()
	w := NewCSVWriter(io.Discard)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := w.Write(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
