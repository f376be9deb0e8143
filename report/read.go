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
	"slices"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"
)

// ReadFile reads the report at path (CSV or JSON Lines, whatever its name); see Read.
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
		return readJSONL(br, skipped, fn)
	}
	return readCSV(br, src, skipped, fn)
}

const utf8BOM = "\ufeff"

// skipBlank consumes a BOM and blank space: how many lines it passed, and whether a '{' follows.
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

// tailReader watches the bytes it passes on, so that readCSV can tell whether the last row
// was cut short: every complete row ends with a newline outside quotes.
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

// torn reports, once the input is exhausted, whether it ends in the middle of a row.
func (t *tailReader) torn() bool { return t.last != '\n' || t.quotes%2 == 1 }

// readJSONL reads a JSON Lines report whose first skipped lines were blank.
func readJSONL(br *bufio.Reader, skipped int, fn func(Result) error) error {
	for line := skipped + 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read report: %w", err)
		}
		atEnd := err != nil // text is the rest, without a newline
		if len(bytes.TrimSpace(text)) > 0 {
			res, err := decodeJSONLRow(text)
			if err != nil && atEnd {
				return nil // torn last line
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
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
	var row struct {
		Result
		Line *int `json:"line"` // tells a missing "line" from line 0
	}
	if err := json.Unmarshal(text, &row); err != nil {
		return Result{}, fmt.Errorf("not a report row: %w", err)
	}
	switch {
	case row.Line == nil:
		return Result{}, errors.New(`field "line" is missing`)
	case *row.Line < 0:
		return Result{}, errors.New(`field "line" is negative`)
	case !row.Status.Known():
		return Result{}, fmt.Errorf("column status: unknown status %q", row.Status)
	}
	row.Result.Line = *row.Line
	return row.Result, nil
}

// csvRow is the CSV report's schema: its tags are the columns in order (new ones go at the
// end), its cell types the cell policy both ways (gocsv's TypeMarshaller, TypeUnmarshaller).
type csvRow struct {
	Line       count    `csv:"line"`
	Username   text     `csv:"username"`
	Status     Status   `csv:"status"`
	HTTPStatus optCount `csv:"http_status"`
	PK         optCount `csv:"pk"`
	UUID       text     `csv:"uuid"`
	Attempts   count    `csv:"attempts"`
	Error      text     `csv:"error"`
	Warnings   Warnings `csv:"warnings"`
	Input      string   `csv:"input"`
	Action     text     `csv:"action"`
	Onboarding text     `csv:"onboarding"`
}

// csvHeader is csvRow's columns (a test holds them equal).
var csvHeader = []string{"line", "username", "status", "http_status", "pk", "uuid", "attempts", "error", "warnings", "input", "action", "onboarding"}

func (c csvRow) result() Result {
	return Result{Line: int(c.Line), Username: string(c.Username), Status: c.Status, HTTPStatus: int(c.HTTPStatus),
		PK: int(c.PK), UUID: string(c.UUID), Attempts: int(c.Attempts), Error: string(c.Error), Warnings: c.Warnings,
		Input: c.Input, Action: string(c.Action), Onboarding: string(c.Onboarding)}
}

// text is a cell a person or tool wrote: one a spreadsheet would run as a formula (OWASP "CSV
// injection": = + - @, tab, CR) gets a ' in front, as does one starting with ' (reading drops one).
type text string

func (t text) MarshalCSV() (string, error)  { return neutralise(string(t)), nil }
func (t *text) UnmarshalCSV(s string) error { *t = text(strings.TrimPrefix(s, "'")); return nil }

func neutralise(cell string) string {
	if cell != "" && strings.IndexByte("=+-@\t\r'", cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// count is a whole number; optCount is one written empty when 0 (no answer, no user).
type (
	count    int
	optCount int
)

func (n count) MarshalCSV() (string, error)     { return strconv.Itoa(int(n)), nil }
func (n *count) UnmarshalCSV(s string) error    { return parseCount((*int)(n), s, false) }
func (n optCount) MarshalCSV() (string, error)  { return optional(int(n)), nil }
func (n *optCount) UnmarshalCSV(s string) error { return parseCount((*int)(n), s, true) }

func optional(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// parseCount is strict where gocsv's own integers are loose ("1.5", " 7", "0x10").
func parseCount(n *int, s string, emptyIsZero bool) error {
	if s == "" && emptyIsZero {
		s = "0"
	}
	v, err := strconv.Atoi(s)
	if err != nil || strings.Trim(s, "0123456789") != "" {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*n = v
	return nil
}

// warningSeparator joins a row's warnings into one cell (JSONL keeps them apart).
const warningSeparator = "; "

// Warnings are a row's non-fatal remarks: one text cell in CSV, a list in JSON.
type Warnings []string

func (w Warnings) MarshalCSV() (string, error) {
	return text(strings.Join(w, warningSeparator)).MarshalCSV()
}

func (w *Warnings) UnmarshalCSV(cell string) error {
	*w = nil
	if cell = strings.TrimPrefix(cell, "'"); cell != "" {
		*w = strings.Split(cell, warningSeparator)
	}
	return nil
}

// UnmarshalCSV accepts only the report's statuses.
func (s *Status) UnmarshalCSV(cell string) error {
	if !Status(cell).Known() {
		return fmt.Errorf("unknown status %q", cell)
	}
	*s = Status(cell)
	return nil
}

// readCSV reads a CSV report through gocsv's Unmarshaller, which maps cells to csvRow by the
// header's names (unknown ones ignored); skipped blank lines came before it.
func readCSV(br *bufio.Reader, src *tailReader, skipped int, fn func(Result) error) error {
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	// torn reports whether the record that failed was the last and lacks its newline: a
	// crash mid-write. It reads ahead, so call it only when giving up.
	torn := func() bool { _, err := cr.Read(); return errors.Is(err, io.EOF) && src.torn() }
	um, err := gocsv.NewUnmarshaller(cr, csvRow{})
	if errors.Is(err, io.EOF) {
		return nil // an empty report: no rows done
	}
	var names []string
	if err == nil {
		if names, err = columnNames(um.Headers); err == nil {
			err = um.RenormalizeHeaders(func([]string) []string { return names })
		}
	}
	if err != nil {
		if torn() {
			return nil // the crash came before the first row
		}
		return fmt.Errorf("report header: %w", err)
	}
	for {
		v, err := um.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			if err := fn(v.(csvRow).result()); err != nil {
				return err
			}
			continue
		}
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			parseErr.StartLine += skipped
			parseErr.Line += skipped
		} else {
			// A cell's own error, which gocsv formats as "cannot assign field at <column> …]: <error>".
			line, _ := cr.FieldPos(0)
			col := -1
			_, _ = fmt.Sscanf(err.Error(), "cannot assign field at %d", &col)
			if _, cause, ok := strings.Cut(err.Error(), "]: "); ok && col >= 0 && col < len(names) {
				err = fmt.Errorf("column %s: %s", names[col], cause)
			}
			err = fmt.Errorf("line %d: %w", line+skipped, err)
		}
		if torn() {
			return nil
		}
		return err
	}
}

// columnNames cleans the header's names (spaces, case) and checks the required ones, once each.
func columnNames(header []string) ([]string, error) {
	names := make([]string, len(header))
	for i, name := range header {
		names[i] = strings.ToLower(strings.TrimSpace(name))
		if names[i] != "" && slices.Contains(names[:i], names[i]) {
			return nil, fmt.Errorf("column %q appears twice", names[i])
		}
	}
	var missing []string
	for _, required := range []string{"line", "status"} {
		if !slices.Contains(names, required) {
			missing = append(missing, required)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing column %s (is this an akimport report?)", strings.Join(missing, ", "))
	}
	return names, nil
}
