package mapping

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// countCheckEvery is how many lines CountRows reads between looks at its context.
const countCheckEvery = 4096

// CountRows counts the rows a Reader of the same input would return, without decoding them,
// so progress can show a true percentage: CSV records after the header (a quoted cell may
// hold newlines; empty lines are skipped, as encoding/csv does) or JSONL non-blank lines.
// It reads at close to disk speed: a line without a quote is two IndexByte. It stops with
// the context's error when ctx is done.
func CountRows(ctx context.Context, r io.Reader, f Format) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var c lineCounter
	switch f {
	case FormatCSV:
		c = &csvCounter{}
	case FormatJSONL:
		c = &jsonlCounter{}
	default:
		return 0, fmt.Errorf("cannot count rows of format %q", f)
	}
	for lines := 0; ; lines++ {
		if lines%countCheckEvery == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		piece, err := br.ReadSlice('\n')
		if len(piece) > 0 {
			c.feed(piece)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue // a long line: the rest follows
		case errors.Is(err, io.EOF):
			return c.end(), nil
		case err != nil:
			return 0, err
		}
	}
}

// lineCounter takes the input in pieces that end at a newline (or a buffer's end) and
// counts rows.
type lineCounter interface {
	feed(piece []byte)
	end() int64 // the count once the input ended
}

// jsonlCounter counts lines with something besides white space, as jsonlRows reads them.
type jsonlCounter struct {
	rows     int64
	content  bool // the current line has something besides white space
	lineOne  bool // past the first line (whose BOM is not content)
	midPiece bool // the current line continues in the next piece
}

func (j *jsonlCounter) feed(piece []byte) {
	if !j.lineOne && !j.midPiece {
		piece = bytes.TrimPrefix(piece, []byte("\uFEFF"))
	}
	if !j.content && (piece[0] == '{' || len(bytes.TrimSpace(piece)) > 0) {
		j.content = true
	}
	j.midPiece = piece[len(piece)-1] != '\n'
	if !j.midPiece {
		j.endLine()
	}
}

func (j *jsonlCounter) endLine() {
	if j.content {
		j.rows++
	}
	j.content, j.lineOne = false, true
}

func (j *jsonlCounter) end() int64 {
	if j.midPiece {
		j.endLine()
	}
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

// csvCounter counts CSV records the way encoding/csv.Reader splits them, minus the header.
type csvCounter struct {
	records   int64
	state     csvState
	recordLen int  // bytes of the current record so far, to skip empty lines
	lastCR    bool // the previous byte was '\r' (a "\r\n" line ending)
}

// feed runs the state machine over a piece, jumping (with IndexByte) over the bytes that
// cannot change the count: a quoted cell's text up to its quote, an unquoted run up to a
// quote or the line's end, the rest of a line after an error.
func (c *csvCounter) feed(piece []byte) {
	for len(piece) > 0 {
		n := 0
		switch c.state {
		case csvQuoted:
			n = indexOrLen(piece, '"')
		case csvBadLine:
			n = indexOrLen(piece, '\n')
		case csvFieldStart, csvUnquoted:
			// A piece has at most one '\n', at its end.
			n = min(indexOrLen(piece, '"'), indexOrLen(piece, '\n'))
			if n > 0 {
				c.state = csvUnquoted
				if piece[n-1] == ',' {
					c.state = csvFieldStart
				}
			}
		}
		if n > 0 {
			c.recordLen += n
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
	c.state = csvNext(c.state, b)
	c.lastCR = b == '\r'
	c.recordLen++
}

// csvNext is the state after byte b (not a newline that ends the record).
func csvNext(s csvState, b byte) csvState {
	switch s {
	case csvFieldStart, csvUnquoted:
		switch {
		case b == ',':
			return csvFieldStart
		case b == '"' && s == csvFieldStart:
			return csvQuoted
		case b == '"':
			return csvBadLine
		}
		return csvUnquoted
	case csvQuoted:
		if b == '"' {
			return csvQuoteSeen
		}
		return csvQuoted
	case csvQuoteSeen:
		switch b {
		case '"':
			return csvQuoted
		case ',':
			return csvFieldStart
		case '\r':
			return csvQuoteCR
		}
		return csvBadLine
	case csvQuoteCR:
		return csvBadLine
	}
	return csvBadLine
}

// endRecord ends a record at a newline outside quotes; an empty line ("\n" or "\r\n" alone)
// is no record.
func (c *csvCounter) endRecord() {
	if c.recordLen > 1 || (c.recordLen == 1 && !c.lastCR) {
		c.records++
	}
	c.state, c.recordLen, c.lastCR = csvFieldStart, 0, false
}

// end counts a last record without a newline (or an unclosed quote, an error row) and
// leaves out the header.
func (c *csvCounter) end() int64 {
	if c.recordLen > 0 {
		c.endRecord()
	}
	return max(c.records-1, 0)
}
