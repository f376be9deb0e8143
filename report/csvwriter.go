package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// csvWriter writes the CSV report. Owned by one goroutine (see Writer).
type csvWriter struct {
	out    io.Writer
	closer func() error // nil when the writer does not own out

	buf     bytes.Buffer
	enc     *csv.Writer // encodes into buf; buf goes to out in one write per row
	record  []string
	started bool  // header written
	err     error // first write error; the report is broken after it
}

// NewCSVWriter returns a Writer of the CSV report to w. Close writes the header if no row was
// written and does not close w.
func NewCSVWriter(w io.Writer) Writer { return newCSVWriter(w, nil) }

func newCSVWriter(w io.Writer, closer func() error) *csvWriter {
	cw := &csvWriter{out: w, closer: closer, record: make([]string, len(csvHeader))}
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

// fill converts r into the reused record, in csvHeader's order.
func (w *csvWriter) fill(r Result) []string {
	rec := w.record
	rec[0] = strconv.Itoa(r.Line)
	rec[1] = neutralise(r.Username)
	rec[2] = string(r.Status)
	rec[3] = itoaOrEmpty(r.HTTPStatus)
	rec[4] = itoaOrEmpty(r.PK)
	rec[5] = neutralise(r.UUID)
	rec[6] = strconv.Itoa(r.Attempts)
	rec[7] = neutralise(r.Error)
	rec[8] = neutralise(joinWarnings(r.Warnings))
	rec[9] = r.Input
	rec[10] = neutralise(r.Action)
	rec[11] = neutralise(r.Onboarding)
	return rec
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

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
