package mapping

import "io"

// Options says how to read the input.
type Options struct {
	Format Format
	// Mapping renames, ignores, fills and builds columns; nil means the columns already
	// carry authentik's field names.
	Mapping *Mapping
	// Delimiter separates CSV cells; 0 = detected from the header (',', ';' or tab).
	Delimiter rune
	// Encoding of CSV and JSON Lines (see ParseEncoding); "" = UTF-8, or UTF-16 if the file
	// starts with its byte order mark.
	Encoding string
	// Sheet is the .xlsx sheet to read; "" = the first.
	Sheet string
}

// Reader streams mapped, validated rows in file order. A malformed row is a Row with Errors,
// never an error of the Reader.
type Reader struct {
	src     rowSource
	columns []string
}

// rowSource is one input format.
type rowSource interface {
	next() (Row, error)
	close() error
}

// NewReader starts reading r and checks what it can before the first row (errors wrapping
// ErrInput): that CSV and JSON Lines are text in the expected encoding, and the header of CSV
// and .xlsx. An .xlsx input is read whole into memory, as excelize does.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	var table records
	switch opts.Format {
	case FormatCSV:
		br, w, err := openText(r, opts)
		if err != nil {
			return nil, err
		}
		table = newCSVRecords(br, w, opts.Delimiter)
	case FormatXLSX:
		x, err := openSheet(r, opts.Sheet)
		if err != nil {
			return nil, err
		}
		table = x
	case FormatJSONL:
		br, w, err := openText(r, opts)
		if err != nil {
			return nil, err
		}
		return &Reader{src: newJSONLRows(br, w, opts.Mapping)}, nil
	default:
		return nil, inputErrorf("unknown input format %q: use csv, jsonl or xlsx", opts.Format)
	}
	src, err := newTableRows(table, opts.Mapping)
	if err != nil {
		table.close()
		return nil, err
	}
	return &Reader{src: newAsyncRows(src), columns: src.columns()}, nil
}

// Next returns the next row, or io.EOF after the last one. Any other error means the input
// could not be read (I/O); bad rows come back as rows with Errors set.
func (r *Reader) Next() (Row, error) { return r.src.next() }

// Columns is the header as mapped (a column's target field, ignored columns left out,
// template targets added), for logs; nil for JSON Lines.
func (r *Reader) Columns() []string { return r.columns }

// Close stops reading (Next returns io.EOF) and ends the read-ahead goroutine: every Reader
// must be closed; the io.Reader is the caller's to close.
func (r *Reader) Close() error { return r.src.close() }
