package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/gocarina/gocsv"
)

// csvWriter writes the CSV report. Owned by one goroutine (see Writer).
type csvWriter struct {
	out    io.Writer
	closer func() error // nil when the writer does not own out

	buf     bytes.Buffer
	enc     *csv.Writer // encodes into buf; buf goes to out in one write per row
	row     [1]Result   // what gocsv marshals, reused
	cells   csvCells    // what gocsv marshals into
	started bool        // header written
	err     error       // first write error; the report is broken after it
}

// NewCSVWriter returns a Writer of the CSV report to w. Close writes the header if no row was
// written and does not close w.
func NewCSVWriter(w io.Writer) Writer { return newCSVWriter(w, nil) }

func newCSVWriter(w io.Writer, closer func() error) *csvWriter {
	cw := &csvWriter{out: w, closer: closer}
	cw.enc = csv.NewWriter(&cw.buf)
	return cw
}

func (w *csvWriter) Write(r Result) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if !w.started {
		// The header goes out with the first row, in the same write: a torn first write
		// leaves no header without rows behind.
		w.encode(csvHeader)
	}
	w.encode(w.fill(r))
	return w.flush()
}

func (w *csvWriter) Close() error {
	if w.err == nil && !w.started {
		w.buf.Reset()
		w.encode(csvHeader)
		w.err = w.flush()
	}
	if w.closer != nil {
		closeErr := w.closer()
		w.closer = nil
		if w.err == nil {
			w.err = closeErr
		}
		if closeErr != nil {
			return closeErr
		}
	}
	return w.err
}

// fill converts r into a record in csvHeader's order, through gocsv (see csvCells).
func (w *csvWriter) fill(r Result) []string {
	w.row[0] = r
	// gocsv fails only on types it cannot marshal; Result's are fixed and tested.
	_ = gocsv.MarshalCSVWithoutHeaders(w.row[:], &w.cells)
	return w.cells.record
}

// encode appends one record to buf. csv.Writer only fails when its destination does, and a
// bytes.Buffer does not.
func (w *csvWriter) encode(rec []string) {
	_ = w.enc.Write(rec)
	w.enc.Flush()
}

// flush hands buf to the OS in one write.
func (w *csvWriter) flush() error {
	if _, err := w.out.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write report: %w", err)
		return w.err
	}
	w.started = true
	return nil
}
