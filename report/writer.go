package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Format is the encoding of a report file.
type Format string

// The report formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
)

// FormatFromPath picks the report format from the file name: ".jsonl" and ".ndjson" are JSON
// Lines, anything else (including "-" for stdout) is CSV.
func FormatFromPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return FormatJSONL
	}
	return FormatCSV
}

// Writer writes report rows. Each Write reaches the operating system in one write call before
// it returns, so a crash loses at most the rows in flight and leaves at most a torn last line
// (which Read ignores). Not safe for concurrent use: one goroutine owns the report.
type Writer interface {
	Write(Result) error
	// Close finishes the report (a CSV report with no rows still gets its header) and, for a
	// file opened by Create, syncs it to disk and closes it.
	Close() error
}

// Create opens the report at path for writing, truncating it, in the given format ("" means
// FormatFromPath(path)). The path "-" writes to stdout, which Close does not close.
func Create(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, false)
}

// CreateBuffered is Create for a report that need not survive a crash row by row (a dry run
// sent nothing, so there is nothing to resume): rows go out in 64 KiB blocks.
func CreateBuffered(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, true)
}

func create(path string, format Format, stdout io.Writer, buffered bool) (Writer, error) {
	if format == "" {
		format = FormatFromPath(path)
	}
	if format != FormatCSV && format != FormatJSONL {
		return nil, fmt.Errorf("unknown report format %q (want %q or %q)", format, FormatCSV, FormatJSONL)
	}
	out, closer := stdout, func() error { return nil }
	if path != "-" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create report: %w", err)
		}
		out, closer = f, func() error { return syncAndClose(f) }
	} else if stdout == nil {
		return nil, errors.New("report to stdout (-): no stdout given")
	}
	if buffered {
		bw, closeFile := bufio.NewWriterSize(out, 64<<10), closer
		out, closer = bw, func() error {
			flushErr, closeErr := bw.Flush(), closeFile()
			if flushErr != nil {
				return fmt.Errorf("write report %s: %w", path, flushErr)
			}
			return closeErr
		}
	}
	return newWriter(format, out, closer), nil
}

// syncAndClose makes the report durable before closing it: rows were handed to the OS one by
// one, and this is the one fsync the run pays for. Only regular files sync (/dev/null cannot).
func syncAndClose(f *os.File) error {
	var syncErr error
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		syncErr = f.Sync()
	}
	closeErr := f.Close()
	if syncErr != nil {
		return fmt.Errorf("sync report %s: %w", f.Name(), syncErr)
	}
	if closeErr != nil {
		return fmt.Errorf("close report %s: %w", f.Name(), closeErr)
	}
	return nil
}

// NewCSVWriter returns a Writer of the CSV report to w; Close does not close w.
func NewCSVWriter(w io.Writer) Writer { return newWriter(FormatCSV, w, nil) }

// NewJSONLWriter returns a Writer of the JSON Lines report to w; Close does not close w.
func NewJSONLWriter(w io.Writer) Writer { return newWriter(FormatJSONL, w, nil) }

// rowWriter writes either format: encode puts one row into buf, which goes out in one write.
type rowWriter struct {
	out     io.Writer
	closer  func() error // nil when the writer does not own out
	buf     bytes.Buffer
	encode  func(Result) error
	header  func() // CSV's: with the first row (a torn write leaves no lone header), or at Close
	started bool
	err     error // the first write error: the report is broken after it
}

func newWriter(format Format, out io.Writer, closer func() error) *rowWriter {
	w := &rowWriter{out: out, closer: closer}
	if format == FormatJSONL {
		enc := json.NewEncoder(&w.buf)
		enc.SetEscapeHTML(false) // error messages read better with their < > & intact
		w.encode = func(r Result) error { return enc.Encode(r) }
		return w
	}
	// By hand, cell for cell what gocsv marshals from csvRow (tested): gocsv's reflection
	// would cost the dry run several times the row's own work.
	enc := csv.NewWriter(&w.buf)
	var rec []string
	w.header = func() { _ = enc.Write(csvHeader); enc.Flush() } // into a buffer: cannot fail
	w.encode = func(r Result) error {
		warnings, _ := r.Warnings.MarshalCSV()
		rec = append(rec[:0], strconv.Itoa(r.Line), neutralise(r.Username), string(r.Status), optional(r.HTTPStatus),
			optional(r.PK), neutralise(r.UUID), strconv.Itoa(r.Attempts), neutralise(r.Error), warnings, r.Input,
			neutralise(r.Action), neutralise(r.Onboarding))
		_ = enc.Write(rec)
		enc.Flush()
		return nil
	}
	return w
}

func (w *rowWriter) Write(r Result) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if !w.started && w.header != nil {
		w.header()
	}
	if err := w.encode(r); err != nil {
		return fmt.Errorf("encode report row of line %d: %w", r.Line, err)
	}
	return w.flush()
}

func (w *rowWriter) flush() error {
	if _, err := w.out.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write report: %w", err)
		return w.err
	}
	w.started = true
	return nil
}

func (w *rowWriter) Close() error {
	if w.err == nil && !w.started && w.header != nil {
		w.buf.Reset()
		w.header()
		w.err = w.flush()
	}
	if w.closer != nil {
		err := w.closer()
		if w.closer = nil; err != nil {
			return err
		}
	}
	return w.err
}
