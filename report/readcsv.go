package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gocarina/gocsv"
)

// readCSV reads a CSV report through gocsv, which maps each record's cells to Result's
// fields by the header's names (order free, unknown columns ignored) and converts them.
// reportRecords, the csv.Reader it reads from, does what gocsv does not: it finds the header
// and checks it, refuses counts gocsv would read loosely ("1.5", "-7"), undoes the
// spreadsheet neutralisation, knows each record's line and tells a torn last row from a bad one.
func readCSV(r io.Reader, src *tailReader, fn func(Result) error) error {
	records := newReportRecords(r, src)
	var fnErr error
	err := gocsv.UnmarshalDecoderToCallback(gocsv.NewSimpleDecoderFromCSVReader(records), func(res Result) {
		if fnErr != nil {
			return // stopped: gocsv hands over the record it had read ahead
		}
		if fnErr = fn(res); fnErr != nil {
			records.stop.Store(true) // its next Read ends gocsv's loop
		}
	})
	// gocsv's goroutine has ended: records is this goroutine's again.
	var parseErr *csv.ParseError
	switch {
	case fnErr != nil:
		return fnErr
	case err == nil, errors.Is(err, io.EOF): // io.EOF: not even a header
		return nil
	case errors.Is(err, records.err):
		return err
	case errors.As(err, &parseErr): // a cell gocsv refused (an unknown status): gocsv's line counts records, not lines
		if records.atEnd() {
			return nil
		}
		return lineError(records.line, parseErr.Err)
	}
	return fmt.Errorf("read report: %w", err)
}

// errReadStopped ends gocsv's read once the caller's function has failed.
var errReadStopped = errors.New("report read stopped")

// reportRecords is the gocsv.CSVReader of a report: an encoding/csv.Reader and the checks
// gocsv does not make. Read runs on gocsv's goroutine; stop is set from the caller's.
type reportRecords struct {
	cr  *csv.Reader
	src *tailReader

	started bool
	text    []int // the columns neutralise may have marked
	counts  []int // the columns that must hold whole numbers
	names   []string
	line    int   // where the last record read starts
	err     error // the last error Read returned
	stop    atomic.Bool
}

func newReportRecords(r io.Reader, src *tailReader) *reportRecords {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true // gocsv is done with a record before it reads the next
	return &reportRecords{cr: cr, src: src}
}

// atEnd reports whether the record just read was the last one and lacks its newline: a torn
// write. It reads ahead, so call it only when giving up on the current record.
func (r *reportRecords) atEnd() bool {
	_, err := r.cr.Read()
	return errors.Is(err, io.EOF) && r.src.endsUnterminated(true)
}

// fail remembers err as Read's own, so that readCSV returns it as is.
func (r *reportRecords) fail(err error) ([]string, error) {
	r.err = err
	return nil, err
}

// Read returns the header (its names cleaned for gocsv), then each record. A torn last
// record or header is the end of the report.
func (r *reportRecords) Read() ([]string, error) {
	if r.stop.Load() {
		return r.fail(errReadStopped)
	}
	if !r.started {
		r.started = true
		return r.header()
	}
	rec, err := r.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err == nil {
		r.line, _ = r.cr.FieldPos(0)
		err = r.check(rec)
	}
	if err != nil {
		if r.atEnd() {
			return nil, io.EOF
		}
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			return r.fail(fmt.Errorf("read report: %w", err)) // names its own line
		}
		return r.fail(lineError(r.line, err))
	}
	for _, i := range r.text {
		rec[i] = unneutralise(rec[i])
	}
	return rec, nil
}

// ReadAll completes gocsv.CSVReader; gocsv's streaming functions do not call it.
func (r *reportRecords) ReadAll() ([][]string, error) {
	var all [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, slices.Clone(rec))
	}
}

// header reads the first record that is not blank (encoding/csv skips empty lines but not
// lines of spaces) and checks its names.
func (r *reportRecords) header() ([]string, error) {
	var header []string
	var err error
	for header == nil && err == nil {
		if header, err = r.cr.Read(); err == nil && blank(header) {
			header = nil
		}
	}
	if errors.Is(err, io.EOF) {
		return nil, io.EOF // an empty report: no rows done
	}
	if err != nil {
		if r.atEnd() {
			return nil, io.EOF // only a torn header: the crash came before the first row
		}
		return r.fail(fmt.Errorf("read report header: %w", err))
	}
	names, err := columnNames(header)
	if err != nil {
		if r.atEnd() {
			return nil, io.EOF // as above: a header cut short lacks columns
		}
		return r.fail(fmt.Errorf("report header: %w", err))
	}
	r.names = names
	for i, name := range names {
		if slices.Contains(textColumns, name) {
			r.text = append(r.text, i)
		}
		if slices.Contains(countColumns, name) {
			r.counts = append(r.counts, i)
		}
	}
	return names, nil
}

func blank(rec []string) bool {
	for _, cell := range rec {
		if strings.TrimSpace(strings.TrimPrefix(cell, utf8BOM)) != "" {
			return false
		}
	}
	return true
}

// columnNames cleans the header's names (byte order mark, spaces, case) and checks that the
// required columns are there, once each.
func columnNames(header []string) ([]string, error) {
	names := make([]string, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, utf8BOM)
		}
		names[i] = strings.ToLower(strings.TrimSpace(name))
		if names[i] != "" && slices.Contains(names[:i], names[i]) {
			return nil, fmt.Errorf("column %q appears twice", names[i])
		}
	}
	var missing []string
	for _, required := range []string{colLine, colStatus} {
		if !slices.Contains(names, required) {
			missing = append(missing, required)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing column %s (is this an akimport report?)", strings.Join(missing, ", "))
	}
	return names, nil
}

// check refuses a record whose counts are not whole numbers; encoding/csv has already
// checked that every record has as many cells as the header.
func (r *reportRecords) check(rec []string) error {
	for _, i := range r.counts {
		if err := checkCount(r.names[i], rec[i], r.names[i] == colLine); err != nil {
			return err
		}
	}
	return nil
}

// checkCount accepts a non-negative integer cell; an empty optional cell is 0.
func checkCount(column, cell string, required bool) error {
	if cell == "" && !required {
		return nil
	}
	if n, err := strconv.Atoi(cell); err != nil || n < 0 {
		return fmt.Errorf("column %s: %q is not a whole number", column, cell)
	}
	return nil
}

func parseStatus(cell string) (Status, error) {
	s := Status(cell)
	if !s.Known() {
		return "", fmt.Errorf("column %s: unknown status %q", colStatus, cell)
	}
	return s, nil
}
