package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadFile reads the report at path (CSV or JSON Lines, whatever its name) and calls fn with
// each row; see Read.
func ReadFile(path string, fn func(Result) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open report: %w", err)
	}
	defer f.Close() // read-only: nothing to lose on close
	if err := Read(f, fn); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	return nil
}

// Read reads a report written by a Writer and calls fn with each row, in file order. The
// format comes from the content: JSON Lines when the first non-blank byte is '{', else CSV.
//
// CSV columns are found by header name (order free, unknown columns ignored); "line" and
// "status" are required. The spreadsheet neutralisation of text cells is undone.
//
// A torn last line (no trailing newline, does not parse, as a crash mid-write leaves it) is
// ignored. Any other malformed row is an error that names its line. An error from fn stops
// the read and is returned as is.
func Read(r io.Reader, fn func(Result) error) error {
	src := &tailReader{r: r}
	br := bufio.NewReader(src)
	isJSONL, err := looksLikeJSONL(br)
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	if isJSONL {
		return readJSONL(br, src, fn)
	}
	return readCSV(br, src, fn)
}

// looksLikeJSONL peeks (without consuming, so line numbers stay right) at the first byte
// that is not a byte order mark or white space.
func looksLikeJSONL(br *bufio.Reader) (bool, error) {
	for i := 0; ; i++ {
		b, err := br.Peek(i + 1)
		if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
			return false, nil // empty, or a blank prefix too long to be a report: CSV decides
		}
		if err != nil {
			return false, err
		}
		if i < len(utf8BOM) && b[i] == utf8BOM[i] && string(b) == utf8BOM[:i+1] {
			continue
		}
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true, nil
		}
		return false, nil
	}
}

const utf8BOM = "\ufeff"

// tailReader watches the bytes it passes on, so that once the input is exhausted the readers
// can tell whether its last row was cut short. Every complete row ends with a newline outside
// quotes: a CSV row torn just after a newline inside a quoted cell still ends inside quotes.
type tailReader struct {
	r      io.Reader
	last   byte
	quotes int // '"' seen; in well-formed CSV an odd count means "inside a quoted cell"
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.last = p[n-1]
		t.quotes += bytes.Count(p[:n], []byte{'"'})
	}
	return n, err
}

// endsUnterminated reports, once the input is exhausted, whether it ends in the middle of a
// line (JSONL) or a row (CSV).
func (t *tailReader) endsUnterminated(csv bool) bool {
	return t.last != '\n' || (csv && t.quotes%2 == 1)
}

// lineError names the report line a problem is on.
func lineError(line int, err error) error {
	return fmt.Errorf("line %d: %w", line, err)
}
