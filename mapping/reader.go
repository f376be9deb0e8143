package mapping

import (
	"fmt"
	"io"
)

// Options says how to read the input.
type Options struct {
	Format Format
	// Mapping renames, ignores, fills and builds columns; nil means the columns already
	// carry authentik's field names.
	Mapping *Mapping
}

// Reader streams mapped, validated rows in file order; it never holds the whole file.
// A malformed row is a Row with Errors, never an error of the Reader.
type Reader struct {
	src     rowSource
	columns []string
}

// rowSource is one input format.
type rowSource interface {
	next() (Row, error)
	close() error
}

// NewReader starts reading r. For CSV it reads and checks the header now: a column that is
// neither a field, attributes.<key>, nor named in the mapping, a mapped column the file lacks,
// a repeated column or an empty file is an error wrapping ErrInput.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	switch opts.Format {
	case FormatCSV:
		src, err := newCSVRows(r, opts.Mapping)
		if err != nil {
			return nil, err
		}
		return &Reader{src: newAsyncRows(src), columns: src.columns()}, nil
	case FormatJSONL:
		return &Reader{src: newJSONLRows(r, opts.Mapping)}, nil
	}
	return nil, fmt.Errorf("%w: unknown input format %q: use csv or jsonl", ErrInput, opts.Format)
}

// Next returns the next row, or io.EOF after the last one. Any other error means the input
// could not be read (I/O); bad rows come back as rows with Errors set.
func (r *Reader) Next() (Row, error) { return r.src.next() }

// Columns is the CSV header as mapped (a column's target field, ignored columns left out,
// template targets added), for logs; nil for JSON Lines.
func (r *Reader) Columns() []string { return r.columns }

// Close stops reading: Next returns io.EOF from then on. A CSV Reader reads ahead on a
// goroutine, which Close ends (after the read in progress, if the io.Reader blocks), so
// every Reader must be closed; the io.Reader is the caller's to close.
func (r *Reader) Close() error { return r.src.close() }
