package report

import (
	"bufio"
	"bytes"
	"encoding/json"
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

// Read reads a report and calls fn with each row, in file order: JSON Lines when the first
// byte after blank space is '{', else CSV (columns found by name; line and status required).
// A torn last line (what a crash mid-write leaves) is ignored; any other malformed row is an
// error naming its line. An error from fn stops the read and is returned as is.
func Read(r io.Reader, fn func(Result) error) error {
	src := &tailReader{r: r}
	br := bufio.NewReader(src)
	skipped, jsonl, err := skipBlank(br)
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	if jsonl {
		return readJSONL(br, src, skipped, fn)
	}
	return readCSV(br, src, skipped, fn)
}

const utf8BOM = "\ufeff"

// skipBlank consumes a byte order mark and blank space, and says how many lines it passed
// and whether a JSON object comes next.
func skipBlank(br *bufio.Reader) (lines int, jsonl bool, err error) {
	if b, _ := br.Peek(len(utf8BOM)); string(b) == utf8BOM {
		_, _ = br.Discard(len(utf8BOM))
	}
	for {
		b, err := br.ReadByte()
		switch {
		case errors.Is(err, io.EOF):
			return lines, false, nil
		case err != nil:
			return 0, false, err
		case b == '\n':
			lines++
		case b != ' ' && b != '\t' && b != '\r':
			return lines, b == '{', br.UnreadByte()
		}
	}
}

// tailReader watches the bytes it passes on, so that the readers can tell whether the last
// row was cut short: every complete row ends with a newline outside quotes.
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

// jsonlRow decodes one JSONL row; the pointer tells a missing "line" from line 0.
type jsonlRow struct {
	Result
	Line *int `json:"line"`
}

// readJSONL reads a JSON Lines report whose first skipped lines were blank.
func readJSONL(br *bufio.Reader, src *tailReader, skipped int, fn func(Result) error) error {
	for line := skipped + 1; ; line++ {
		text, readErr := br.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("read report: %w", readErr)
		}
		atEnd := errors.Is(readErr, io.EOF)
		if len(bytes.TrimSpace(text)) > 0 {
			res, err := decodeJSONLRow(text)
			if err != nil {
				if atEnd && src.endsUnterminated(false) {
					return nil // torn last line
				}
				return lineError(line, err)
			}
			if err := fn(res); err != nil {
				return err
			}
		}
		if atEnd {
			return nil
		}
	}
}

func decodeJSONLRow(text []byte) (Result, error) {
	var row jsonlRow
	if err := json.Unmarshal(text, &row); err != nil {
		return Result{}, fmt.Errorf("not a report row: %w", err)
	}
	if row.Line == nil {
		return Result{}, errors.New(`field "line" is missing`)
	}
	if *row.Line < 0 {
		return Result{}, errors.New(`field "line" is negative`)
	}
	if err := new(Status).UnmarshalCSV(string(row.Status)); err != nil {
		return Result{}, fmt.Errorf("column status: %w", err)
	}
	res := row.Result
	res.Line = *row.Line
	return res, nil
}
