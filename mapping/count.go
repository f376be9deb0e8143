package mapping

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

const countCheckEvery = 4096 // lines between looks at the context

// CountRows counts the rows a Reader with the same options would return, without mapping them,
// at close to disk speed for CSV and JSONL (a line without a quote is two IndexByte). It stops
// with ctx's error when ctx is done.
func CountRows(ctx context.Context, r io.Reader, opts Options) (int64, error) {
	if opts.Format == FormatXLSX {
		return countSheetRows(ctx, r, opts.Sheet)
	}
	br, _, err := openText(r, opts)
	if err != nil {
		return 0, err
	}
	var c lineCounter
	switch opts.Format {
	case FormatCSV:
		comma, _ := delimiter(br, opts.Delimiter)
		c = &csvCounter{comma: byte(comma)}
	case FormatJSONL:
		c = &jsonlCounter{}
	default:
		return 0, fmt.Errorf("cannot count rows of format %q", opts.Format)
	}
	for lines := 0; ; lines++ {
		if lines%countCheckEvery == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		piece, err := br.ReadSlice('\n')
		c.feed(piece)
		if errors.Is(err, io.EOF) {
			return c.end(), nil
		} else if err != nil && !errors.Is(err, bufio.ErrBufferFull) { // ErrBufferFull: the line goes on
			return 0, err
		}
	}
}

func countSheetRows(ctx context.Context, r io.Reader, sheet string) (int64, error) {
	x, err := openSheet(r, sheet)
	if err != nil {
		return 0, err
	}
	defer x.close()
	var n int64
	for ; ; n++ {
		if n%countCheckEvery == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if _, _, _, err := x.read(); errors.Is(err, io.EOF) {
			return max(n-1, 0), nil
		} else if err != nil {
			return 0, err
		}
	}
}

// lineCounter counts rows in pieces of the input that end at a newline or a buffer's end.
type lineCounter interface {
	feed(piece []byte)
	end() int64 // the count once the input ended
}

// jsonlCounter counts lines with something besides white space, as jsonlRows reads them.
type jsonlCounter struct {
	rows    int64
	content bool // the current line has something besides white space
}

func (j *jsonlCounter) feed(piece []byte) {
	j.content = j.content || len(bytes.TrimSpace(piece)) > 0
	if len(piece) > 0 && piece[len(piece)-1] == '\n' {
		j.end()
	}
}

// end ends a line; at the end of the input it is the count.
func (j *jsonlCounter) end() int64 {
	if j.content {
		j.rows++
	}
	j.content = false
	return j.rows
}

// csvState is where csvCounter is in a record, following encoding/csv's parser.
type csvState uint8

const (
	csvFieldStart csvState = iota // a quote here opens a quoted field
	csvUnquoted                   // a quote here is a bare quote: an error row
	csvQuoted                     // inside quotes: newlines are data
	csvQuoteSeen                  // a quote inside quotes: a second one escapes it, else the field is closed
	csvQuoteCR                    // `"\r`: a '\n' must follow, else it is an error row
	csvBadLine                    // after an error (`a"b`, `"a"b`): encoding/csv drops the rest of the line
)

// csvCounter counts CSV records the way encoding/csv.Reader splits them and csvRecords keeps
// them (not those whose cells are all empty), minus the header.
type csvCounter struct {
	comma   byte
	records int64
	state   csvState
	content bool // the current record has a cell that is not empty
	lastCR  bool // the previous byte was '\r' (maybe a "\r\n" line ending)
}

// feed runs the state machine over a piece, jumping with IndexByte over the bytes that cannot
// change the count (quoted text, an unquoted run, the rest of a line after an error).
func (c *csvCounter) feed(piece []byte) {
	for len(piece) > 0 {
		n := 0
		switch c.state {
		case csvQuoted:
			n = indexOrLen(piece, '"')
			c.content = c.content || n > 0
		case csvBadLine:
			n = indexOrLen(piece, '\n')
		case csvFieldStart, csvUnquoted:
			// A piece has at most one '\n', at its end.
			n = min(indexOrLen(piece, '"'), indexOrLen(piece, '\n'))
			if n > 0 {
				c.state = csvUnquoted
				if piece[n-1] == c.comma {
					c.state = csvFieldStart
				}
				// delimiters alone, and maybe a '\r' that ends the line, are empty cells
				c.content = c.content || c.lastCR || piece[0] != c.comma && piece[0] != '\r' ||
					len(bytes.TrimSuffix(bytes.TrimLeft(piece[:n], string(c.comma)), []byte("\r"))) > 0
			}
		}
		if n > 0 {
			c.lastCR = piece[n-1] == '\r'
		}
		if n == len(piece) {
			return
		}
		c.step(piece[n])
		piece = piece[n+1:]
	}
}

func indexOrLen(b []byte, c byte) int {
	if i := bytes.IndexByte(b, c); i >= 0 {
		return i
	}
	return len(b)
}

// step moves the state machine over one byte.
func (c *csvCounter) step(b byte) {
	if b == '\n' && c.state != csvQuoted {
		c.endRecord()
		return
	}
	class := 0
	switch b {
	case c.comma:
		class = 1
	case '"':
		class = 2
	case '\r':
		class = 3
	}
	next := csvNext[c.state][class]
	// a '\r' not before '\n', a quote inside quotes, or an error row: not all cells empty
	c.content = c.content || c.lastCR || c.state == csvQuoteSeen && b == '"' || next == csvBadLine
	c.state = next
	c.lastCR = b == '\r'
}

// csvNext is the state after a byte that does not end the record, by the byte's class: other,
// the delimiter, a quote, '\r'.
var csvNext = [...][4]csvState{
	csvFieldStart: {csvUnquoted, csvFieldStart, csvQuoted, csvUnquoted},
	csvUnquoted:   {csvUnquoted, csvFieldStart, csvBadLine, csvUnquoted},
	csvQuoted:     {csvQuoted, csvQuoted, csvQuoteSeen, csvQuoted},
	csvQuoteSeen:  {csvBadLine, csvFieldStart, csvQuoted, csvQuoteCR},
	csvQuoteCR:    {csvBadLine, csvBadLine, csvBadLine, csvBadLine},
	csvBadLine:    {csvBadLine, csvBadLine, csvBadLine, csvBadLine},
}

// endRecord ends a record at a newline outside quotes; an empty line is no record.
func (c *csvCounter) endRecord() {
	if c.content {
		c.records++
	}
	c.state, c.content, c.lastCR = csvFieldStart, false, false
}

// end counts a last record without a newline (or an unclosed quote) and leaves out the header.
func (c *csvCounter) end() int64 {
	c.content = c.content || c.state == csvQuoted // a quote open at the end is an error row
	c.endRecord()
	return max(c.records-1, 0)
}
