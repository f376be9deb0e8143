package report

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Format is the encoding of a report file.
type Format string

// The report formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
)

// FormatFromPath picks the format from the file name: .jsonl and .ndjson are JSON Lines, else CSV.
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
	Close() error // writes the CSV header if no row did; syncs and closes a file Create opened
}

// Create opens the report at path for writing, truncating it, in the given format ("" means
// FormatFromPath(path)). The path "-" writes to stdout, which Close does not close.
func Create(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, false)
}

// CreateBuffered is Create in 64 KiB blocks, for a report that need not survive a crash (a dry run).
func CreateBuffered(path string, format Format, stdout io.Writer) (Writer, error) {
	return create(path, format, stdout, true)
}

func create(path string, format Format, stdout io.Writer, buffered bool) (Writer, error) {
	format = cmp.Or(format, FormatFromPath(path))
	if format != FormatCSV && format != FormatJSONL {
		return nil, fmt.Errorf("unknown report format %q (want %q or %q)", format, FormatCSV, FormatJSONL)
	}
	w := newWriter(format, stdout)
	w.path = path
	if path != "-" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create report: %w", err)
		}
		w.out, w.file = f, f
	} else if stdout == nil {
		return nil, errors.New("report to stdout (-): no stdout given")
	}
	if buffered {
		w.buffer = bufio.NewWriterSize(w.out, 64<<10)
		w.out = w.buffer
	}
	return w, nil
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
func NewCSVWriter(w io.Writer) Writer { return newWriter(FormatCSV, w) }

// NewJSONLWriter returns a Writer of the JSON Lines report to w; Close does not close w.
func NewJSONLWriter(w io.Writer) Writer { return newWriter(FormatJSONL, w) }

// rowWriter writes either format: encode puts one row into buf, which goes out in one write.
type rowWriter struct {
	out    io.Writer
	path   string
	file   *os.File      // the report file, which Close syncs and closes; nil when not ours
	buffer *bufio.Writer // CreateBuffered's, which Close flushes
	buf    bytes.Buffer
	encode func(Result)
	header func() // CSV's: with the first row (a torn write leaves no lone header), or at Close
	err    error  // the first write error: the report is broken after it
}

func newWriter(format Format, out io.Writer) *rowWriter {
	w := &rowWriter{out: out}
	if format == FormatJSONL {
		enc := json.NewEncoder(&w.buf)
		enc.SetEscapeHTML(false)                        // error messages read better with their < > & intact
		w.encode = func(r Result) { _ = enc.Encode(r) } // plain data: cannot fail
		return w
	}
	// By hand, cell for cell what gocsv marshals from csvRow (tested): gocsv's reflection
	// would cost the dry run several times the row's own work. Into a buffer: cannot fail.
	enc := csv.NewWriter(&w.buf)
	var rec []string
	w.header = func() { _ = enc.Write(csvHeader); enc.Flush() }
	w.encode = func(r Result) {
		warnings, _ := r.Warnings.MarshalCSV()
		rec = append(rec[:0], strconv.Itoa(r.Line), neutralise(r.Username), string(r.Status), optional(r.HTTPStatus),
			optional(r.PK), neutralise(r.UUID), strconv.Itoa(r.Attempts), neutralise(r.Error), warnings, r.Input,
			neutralise(r.Action), neutralise(r.Onboarding))
		_ = enc.Write(rec)
		enc.Flush()
	}
	return w
}

func (w *rowWriter) Write(r Result) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if w.header != nil {
		w.header()
	}
	w.encode(r)
	return w.flush()
}

func (w *rowWriter) flush() error {
	if _, err := w.out.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write report: %w", err)
	}
	w.header = nil
	return w.err
}

func (w *rowWriter) Close() error {
	if w.err == nil && w.header != nil {
		w.buf.Reset()
		w.header()
		_ = w.flush() // kept in w.err
	}
	var err error
	if w.buffer != nil {
		if flushErr := w.buffer.Flush(); flushErr != nil {
			err = fmt.Errorf("write report %s: %w", w.path, flushErr)
		}
	}
	if w.file != nil {
		err = cmp.Or(err, syncAndClose(w.file))
	}
	w.buffer, w.file = nil, nil
	return cmp.Or(err, w.err)
}

// MoveAside keeps an existing report from being overwritten: it renames the regular file at path
// to path.prev-<UTC time, like 20261203T101500Z>[-2, -3, …] and returns the new name; "" when
// nothing is at path, or no regular file (stdout "-", /dev/null, a pipe).
func MoveAside(path string, now time.Time) (string, error) {
	info, err := os.Stat(path)
	if path == "-" || errors.Is(err, os.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("keep the earlier report %s: %w", path, err)
	}
	// Two runs within the same second must not replace the first one's copy.
	base := path + ".prev-" + now.UTC().Format("20060102T150405Z")
	moved := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(moved); errors.Is(err, os.ErrNotExist) {
			break
		}
		moved = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, moved); err != nil {
		return "", fmt.Errorf("keep the earlier report: %w", err)
	}
	return moved, nil
}
