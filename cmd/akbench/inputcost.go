package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/akimport/akimport/mapping"
)

// inputCosts measures, in this process with package mapping, what the input options cost on
// the dry run's file: the reader with the delimiter and encoding detected (the default) and
// given, the checks before the first row alone, and the file decoded as Windows-1252. Each
// is the best of five, the variants interleaved so that a busy machine hits them alike.
func (b *bench) inputCosts(path string, rows int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	variants := []mapping.Options{
		{Format: mapping.FormatCSV},
		{Format: mapping.FormatCSV, Delimiter: ',', Encoding: "utf-8"},
		{Format: mapping.FormatCSV, Encoding: "windows-1252"},
	}
	best := make([]time.Duration, len(variants)+1)
	for range 5 {
		for i, opts := range variants {
			took, err := readAllRows(data, opts, rows)
			if err != nil {
				return err
			}
			if best[i] == 0 || took < best[i] {
				best[i] = took
			}
		}
		began := time.Now() // the checks and detection: NewReader reads 64 KiB and the header
		r, err := mapping.NewReader(bytes.NewReader(data), variants[0])
		if err != nil {
			return err
		}
		r.Close()
		if took := time.Since(began); best[3] == 0 || took < best[3] {
			best[3] = took
		}
	}
	perRow := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(rows) }
	b.res.add(figure{
		name:    "  mapping's reader alone, delimiter and encoding detected",
		value:   fmt.Sprintf("%.0f ns/row", perRow(best[0])),
		goal:    "≤ 1.05 × given",
		ratio:   fmt.Sprintf("%.3f", perRow(best[0])/perRow(best[1])),
		verdict: judge(best[0] <= best[1]*105/100),
	})
	b.res.add(figure{name: "  mapping's reader, --delimiter , --encoding utf-8 given", value: fmt.Sprintf("%.0f ns/row", perRow(best[1]))})
	b.res.add(figure{
		name:  "  checks and detection before the first row, per row",
		value: fmt.Sprintf("%.3f ns/row (%d µs once)", perRow(best[3]), best[3].Microseconds()),
		ratio: fmt.Sprintf("%.5f", perRow(best[3])/perRow(best[0])),
	})
	b.res.add(figure{
		name:  "  mapping's reader, --encoding windows-1252",
		value: fmt.Sprintf("%.0f ns/row", perRow(best[2])),
		ratio: fmt.Sprintf("%.3f", perRow(best[2])/perRow(best[0])),
	})
	b.res.note("The mapping figures read the dry run's file in akbench's process (best of 5, variants interleaved): ratios are to the detected read's ns/row; detection is the whole of NewReader (the first 64 KiB checked, the delimiter detected, the header planned) spread over the rows.")
	return nil
}

func readAllRows(data []byte, opts mapping.Options, want int) (time.Duration, error) {
	began := time.Now()
	r, err := mapping.NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		n++
	}
	if n != want {
		return 0, fmt.Errorf("mapping read %d rows, want %d", n, want)
	}
	return time.Since(began), nil
}
