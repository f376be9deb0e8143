package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvColumns holds each known column's index in the file, -1 when absent.
type csvColumns struct {
	line, username, status, httpStatus, pk, uuid, attempts, errorText, warnings, input, action, onboarding int
}

func readCSV(r io.Reader, src *tailReader, fn func(Result) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	// atEnd reports whether the record just read was the last one and lacks its newline:
	// a torn write. It reads ahead, so call it only when giving up on the current record.
	atEnd := func() bool {
		_, err := cr.Read()
		return errors.Is(err, io.EOF) && src.endsUnterminated(true)
	}

	header, err := readHeader(cr)
	if errors.Is(err, io.EOF) {
		return nil // an empty report: no rows done
	}
	if err != nil {
		if atEnd() {
			return nil // only a torn header: the crash came before the first row
		}
		return fmt.Errorf("read report header: %w", err)
	}
	cols, err := findColumns(header)
	if err != nil {
		if atEnd() {
			return nil // as above: a header cut short lacks columns
		}
		return fmt.Errorf("report header: %w", err)
	}

	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line := 0
		var res Result
		if err == nil {
			line, _ = cr.FieldPos(0)
			res, err = cols.result(rec)
		}
		if err != nil {
			if atEnd() {
				return nil
			}
			var parseErr *csv.ParseError
			if errors.As(err, &parseErr) {
				return fmt.Errorf("read report: %w", err) // names its own line
			}
			return lineError(line, err)
		}
		if err := fn(res); err != nil {
			return err
		}
	}
}

// readHeader returns the first record that is not blank (encoding/csv skips empty lines but
// not lines of spaces).
func readHeader(cr *csv.Reader) ([]string, error) {
	for {
		rec, err := cr.Read()
		if err != nil {
			return nil, err
		}
		for _, cell := range rec {
			if strings.TrimSpace(strings.TrimPrefix(cell, utf8BOM)) != "" {
				return rec, nil
			}
		}
	}
}

// findColumns maps the header's column names to their indexes.
func findColumns(header []string) (csvColumns, error) {
	index := make(map[string]int, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, utf8BOM)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if _, dup := index[name]; dup && name != "" {
			return csvColumns{}, fmt.Errorf("column %q appears twice", name)
		}
		index[name] = i
	}
	col := func(name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		return -1
	}
	cols := csvColumns{
		line: col(colLine), username: col(colUsername), status: col(colStatus),
		httpStatus: col(colHTTPStatus), pk: col(colPK), uuid: col(colUUID),
		attempts: col(colAttempts), errorText: col(colError), warnings: col(colWarnings),
		input: col(colInput), action: col(colAction), onboarding: col(colOnboarding),
	}
	var missing []string
	if cols.line < 0 {
		missing = append(missing, colLine)
	}
	if cols.status < 0 {
		missing = append(missing, colStatus)
	}
	if len(missing) > 0 {
		return csvColumns{}, fmt.Errorf("missing column %s (is this an akimport report?)",
			strings.Join(missing, ", "))
	}
	return cols, nil
}

// result converts one record. encoding/csv has already checked that every record has as
// many cells as the header.
func (c csvColumns) result(rec []string) (Result, error) {
	cell := func(i int) string {
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	var res Result
	var err error
	if res.Line, err = parseCount(colLine, cell(c.line), true); err != nil {
		return Result{}, err
	}
	if res.Status, err = parseStatus(cell(c.status)); err != nil {
		return Result{}, err
	}
	if res.HTTPStatus, err = parseCount(colHTTPStatus, cell(c.httpStatus), false); err != nil {
		return Result{}, err
	}
	if res.PK, err = parseCount(colPK, cell(c.pk), false); err != nil {
		return Result{}, err
	}
	if res.Attempts, err = parseCount(colAttempts, cell(c.attempts), false); err != nil {
		return Result{}, err
	}
	res.Username = unneutralise(cell(c.username))
	res.UUID = unneutralise(cell(c.uuid))
	res.Error = unneutralise(cell(c.errorText))
	res.Warnings = splitWarnings(unneutralise(cell(c.warnings)))
	res.Input = cell(c.input)
	res.Action = unneutralise(cell(c.action))
	res.Onboarding = unneutralise(cell(c.onboarding))
	return res, nil
}

// parseCount reads a non-negative integer cell; an empty optional cell is 0.
func parseCount(column, cell string, required bool) (int, error) {
	if cell == "" && !required {
		return 0, nil
	}
	n, err := strconv.Atoi(cell)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("column %s: %q is not a whole number", column, cell)
	}
	return n, nil
}

func parseStatus(cell string) (Status, error) {
	s := Status(cell)
	if !s.Known() {
		return "", fmt.Errorf("column %s: unknown status %q", colStatus, cell)
	}
	return s, nil
}
