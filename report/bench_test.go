package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"

	"github.com/gocarina/gocsv"
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

// BenchmarkCSVWriterGocsv is the same rows marshalled by gocsv from the schema, for comparison.
func BenchmarkCSVWriterGocsv(b *testing.B) {
	rows := sampleResults()
	w := gocsv.NewSafeCSVWriter(csv.NewWriter(io.Discard))
	one := make([]csvRow, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		one[0] = rowOf(rows[i%len(rows)])
		if err := gocsv.MarshalCSVWithoutHeaders(one, w); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCSVBare is encoding/csv alone writing cells already made: the floor.
func BenchmarkCSVBare(b *testing.B) {
	record := []string{"2", "alice", "created", "201", "17", "3f2a8c1e-0000-4000-8000-000000000001", "1", "", "", "sha256:ab12", "", "sent"}
	w := csv.NewWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		_ = w.Write(record)
		w.Flush()
	}
}

// BenchmarkCSVRead is --resume's cost per report row.
func BenchmarkCSVRead(b *testing.B) {
	data := gocsvBytes(b, sampleResults())
	b.ReportAllocs()
	for b.Loop() {
		if err := Read(bytes.NewReader(data), func(Result) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(sampleResults())), "ns/row")
}
