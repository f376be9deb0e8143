package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// jsonlWriter writes the JSON Lines report: each Result's JSON on its own line. Owned by one
// goroutine (see Writer).
type jsonlWriter struct {
	out    io.Writer
	closer func() error // nil when the writer does not own out

	buf bytes.Buffer
	enc *json.Encoder // encodes into buf; buf goes to out in one write per row
	err error
}

// NewJSONLWriter returns a Writer of the JSON Lines report to w. Close does not close w.
func NewJSONLWriter(w io.Writer) Writer { return newJSONLWriter(w, nil) }

func newJSONLWriter(w io.Writer, closer func() error) *jsonlWriter {
	jw := &jsonlWriter{out: w, closer: closer}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false) // error messages read better with their < > & intact
	return jw
}

func (w *jsonlWriter) Write(r Result) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if err := w.enc.Encode(r); err != nil { // Encode ends the line with '\n'
		return fmt.Errorf("encode report row of line %d: %w", r.Line, err)
	}
	if _, err := w.out.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write report: %w", err)
		return w.err
	}
	return nil
}

func (w *jsonlWriter) Close() error {
	if w.closer == nil {
		return w.err
	}
	closeErr := w.closer()
	w.closer = nil
	if closeErr != nil {
		return closeErr
	}
	return w.err
}
