package mapping

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// Options says how to read the input.
type Options struct {
	Format    Format
	Mapping   *Mapping // renames, ignores, fills and builds columns; nil: columns are field names
	Delimiter rune     // between CSV cells; 0 = detected from the header (',', ';' or tab)
	Encoding  string   // of CSV and JSON Lines (see ParseEncoding); "" = UTF-8, or UTF-16 after a BOM
	Sheet     string   // the .xlsx sheet to read; "" = the first
}

// Reader streams mapped, validated rows in file order. A malformed row is a Row with Errors,
// never an error of the Reader.
type Reader struct {
	src     rowSource
	columns []string
	delim   rune
}

// rowSource is one input format.
type rowSource interface {
	next() (Row, error)
	close() error
}

// NewReader starts reading r and checks before the first row (errors wrapping ErrInput) that
// CSV and JSON Lines are text in the expected encoding, and the header. .xlsx is read whole.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	var table records
	var err error
	var delim rune
	switch opts.Format {
	case FormatCSV, FormatJSONL:
		br, w, err := openText(r, opts)
		if err != nil {
			return nil, err
		}
		if opts.Format == FormatJSONL {
			return &Reader{src: newJSONLRows(br, w, opts.Mapping)}, nil
		}
		csvTable := newCSVRecords(br, w, opts.Delimiter)
		table, delim = csvTable, csvTable.r.Comma
	case FormatXLSX:
		if table, err = openSheet(r, opts.Sheet); err != nil {
			return nil, err
		}
	default:
		return nil, inputErrorf("unknown input format %q: use csv, jsonl or xlsx", opts.Format)
	}
	src, err := newTableRows(table, opts.Mapping)
	if err != nil {
		table.close()
		return nil, err
	}
	return &Reader{src: newAsyncRows(src), columns: src.columns(), delim: delim}, nil
}

// Delimiter is the CSV delimiter in use, given or detected; 0 for other formats.
func (r *Reader) Delimiter() rune { return r.delim }

// Next returns the next row, or io.EOF after the last one. Any other error means the input
// could not be read (I/O); bad rows come back as rows with Errors set.
func (r *Reader) Next() (Row, error) { return r.src.next() }

// Columns is the header as mapped (a column's target field, ignored columns left out,
// template targets added), for logs; nil for JSON Lines.
func (r *Reader) Columns() []string { return r.columns }

// Close stops reading (Next returns io.EOF) and ends the read-ahead goroutine: every Reader
// must be closed; the io.Reader is the caller's to close.
func (r *Reader) Close() error { return r.src.close() }

// ErrInput marks an error in the input's header or in the mapping file: nothing can be
// imported until the user fixes the file (the importer exits with code 2). Test with errors.Is.
var ErrInput = errors.New("bad input")

// inputError is an ErrInput whose message stands alone (no "bad input:" prefix).
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputErrorf(format string, args ...any) error { return &inputError{fmt.Sprintf(format, args...)} }

// Format is the input file's format.
type Format string

// The input formats.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
	FormatXLSX  Format = "xlsx"
)

// FormatFromPath tells the format from the file's extension: .csv (.tsv), .jsonl (.ndjson,
// .jsonlines, .json-lines) or .xlsx (.xlsm).
func FormatFromPath(path string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".jsonlines", ".json-lines":
		return FormatJSONL, nil
	case ".xlsx", ".xlsm":
		return FormatXLSX, nil
	case ".xls", ".ods", ".numbers":
		return "", inputErrorf("cannot read %s files: save it as .xlsx, or as CSV UTF-8", ext)
	}
	if path == "-" {
		return "", inputErrorf("cannot tell the format of standard input: use --format csv, jsonl or xlsx")
	}
	return "", inputErrorf("cannot tell the format of %q from its extension (expected .csv, .jsonl, .ndjson or .xlsx): use --format csv, jsonl or xlsx", path)
}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatCSV, FormatJSONL, FormatXLSX:
		return f, nil
	case "ndjson":
		return FormatJSONL, nil
	case "tsv":
		return FormatCSV, nil
	}
	return "", inputErrorf("unknown format %q: use csv, jsonl or xlsx", s)
}

// asyncRows runs a rowSource on its own goroutine, batches of rows ahead of the caller, so
// reading and validating use a second core; close must be called to stop it.
type asyncRows struct {
	batches chan []Row
	done    chan struct{}
	ended   chan struct{} // closed when the goroutine has returned
	stop    sync.Once
	last    error // what ended src, set before batches is closed

	batch []Row
	pos   int
	err   error // returned once the batches are used up
}

// asyncBatchRows is the size of a batch handed over; asyncBatchesAhead how many may wait.
const (
	asyncBatchRows    = 256
	asyncBatchesAhead = 4
)

func newAsyncRows(src rowSource) *asyncRows {
	a := &asyncRows{batches: make(chan []Row, asyncBatchesAhead), done: make(chan struct{}), ended: make(chan struct{})}
	go a.run(src)
	return a
}

// run reads src until it ends or close is called.
func (a *asyncRows) run(src rowSource) {
	defer close(a.ended)
	defer close(a.batches)
	defer src.close()
	var err error
	for err == nil {
		rows := make([]Row, 0, asyncBatchRows)
		for len(rows) < asyncBatchRows && err == nil {
			var row Row
			if row, err = src.next(); err == nil {
				rows = append(rows, row)
			}
		}
		a.last = err // once a batch: next reads it only after batches is closed
		select {
		case a.batches <- rows:
		case <-a.done:
			return
		}
	}
}

func (a *asyncRows) next() (Row, error) {
	for a.pos >= len(a.batch) {
		if a.err != nil {
			return Row{}, a.err
		}
		b, ok := <-a.batches
		if !ok {
			a.err = cmp.Or(a.last, io.EOF) // io.EOF once closed
			continue
		}
		a.batch, a.pos = b, 0
	}
	row := a.batch[a.pos]
	a.batch[a.pos] = Row{} // let the row go once the caller is done with it
	a.pos++
	return row, nil
}

// close stops the goroutine (after the read in progress) and makes next return io.EOF.
func (a *asyncRows) close() error {
	a.stop.Do(func() { close(a.done) })
	a.batch, a.pos, a.err = nil, 0, io.EOF
	return nil
}
