package mapping

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/gocarina/gocsv"
)

// The CSV input is read by encoding/csv and decoded by gocsv in batches, on the Reader's
// read-ahead goroutine (asyncRows): csvRows reads up to batchRecords records (noting each
// one's starting line and whether it is malformed), hands them to gocsv as a gocsv.Decoder,
// and gocsv decodes each into a csvRecord by header name. Batches keep gocsv's per-call setup off the per-row cost
// and keep csvRows itself free of goroutines and channels.
const (
	// widthColumn is a pseudo-column in front of every record that carries the header's width,
	// so csvRecord can size its cells once. Its name starts with a NUL byte, which no accepted
	// header name contains.
	widthColumn = "\x00width"
	// batchRecords and batchBytes bound a batch: memory stays flat for any file size.
	batchRecords = 256
	batchBytes   = 4 << 20
)

// csvRecord is one CSV record as gocsv decodes it: gocsv calls UnmarshalCSVWithFields for
// every cell in header order, so no reflection runs per cell. The csv tag satisfies gocsv's
// check that the type has CSV fields.
type csvRecord struct {
	Width int      `csv:"\x00width"`
	Cells []string `csv:"-"`
}

// UnmarshalCSVWithFields implements gocsv.TypeUnmarshalCSVWithFields.
func (r *csvRecord) UnmarshalCSVWithFields(key, value string) error {
	if key == widthColumn {
		r.Width, _ = strconv.Atoi(value)
		r.Cells = make([]string, 0, r.Width)
		return nil
	}
	r.Cells = append(r.Cells, value)
	return nil
}

// csvRows turns CSV records into rows, one batch at a time.
type csvRows struct {
	m           *Mapping
	plan        []columnPlan
	index       map[string]int // header name → position, for templates
	username    int            // position of the column that gives username, or -1
	attrColumns int            // how many columns give attributes.<key>
	attrBuf     []attrValue    // the assembler's attributes.<key> values, reused row to row

	r           *csv.Reader
	width       int
	widthText   string
	batchHeader []string // widthColumn, then the file's header

	// The current batch; all reused from batch to batch.
	batch    [][]string // batchHeader, then the records, as gocsv reads them
	cells    []string   // backing array of the records in batch
	starts   []int      // where each record starts in cells
	lines    []int      // the line each record starts on
	problems []string   // what is wrong with each record, "" when nothing
	records  []csvRecord
	pos      int

	err error // what ends the stream once the batch is used up (io.EOF, I/O error)
}

// GetCSVRows implements gocsv.Decoder: the header, then the current batch.
func (c *csvRows) GetCSVRows() ([][]string, error) { return c.batch, nil }

func newCSVRows(r io.Reader, m *Mapping) (*csvRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a short or long row is an invalid row, not a stream error
	cr.ReuseRecord = true   // csvSource copies each record before the next Read
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return nil, inputErrorf("the file is empty: expected a header row")
	case errors.As(err, &pe):
		return nil, inputErrorf("the header row is not valid CSV: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
	case err != nil:
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	plan, err := planHeader(header, m)
	if err != nil {
		return nil, err
	}
	c := &csvRows{m: m, plan: plan, index: make(map[string]int, len(header)), username: -1}
	for i, name := range header {
		c.index[name] = i
		if plan[i].use == useTarget && plan[i].target.isAttribute() {
			c.attrColumns++
		}
		if plan[i].use == useTarget && !plan[i].target.isAttribute() && plan[i].target.field == fieldUsername {
			c.username = i
		}
	}
	c.r = cr
	c.width = len(header)
	c.widthText = strconv.Itoa(len(header))
	c.batchHeader = append([]string{widthColumn}, header...)
	return c, nil
}

// planHeader decides what each column is for and refuses headers that cannot be imported.
func planHeader(header []string, m *Mapping) ([]columnPlan, error) {
	seen := make(map[string]int, len(header))
	for i, name := range header {
		if p := cellProblem(name); p != "" {
			return nil, inputErrorf("the header has %s in column %d", p, i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, inputErrorf("column %q appears twice in the header (columns %d and %d)", name, j+1, i+1)
		}
		seen[name] = i
	}
	var missing []string
	for _, col := range m.namedColumns() {
		if _, ok := seen[col]; !ok {
			missing = append(missing, strconv.Quote(col))
		}
	}
	if len(missing) > 0 {
		return nil, inputErrorf("the mapping names column(s) %s that the file does not have; the file's columns are: %s",
			strings.Join(missing, ", "), strings.Join(header, ", "))
	}
	plan := make([]columnPlan, len(header))
	var unknown []string
	givenBy := make(map[string]string)
	for i, name := range header {
		plan[i] = m.resolve(name)
		switch plan[i].use {
		case useUnknown:
			unknown = append(unknown, strconv.Quote(name))
		case useTarget:
			t := plan[i].target.name
			if prev, ok := givenBy[t]; ok {
				return nil, inputErrorf("columns %q and %q both give %s", prev, name, t)
			}
			givenBy[t] = name
		}
	}
	if len(unknown) > 0 {
		msg := fmt.Sprintf("unknown column(s) %s: a column must be one of %s", strings.Join(unknown, ", "), acceptedFields())
		if m == nil {
			msg += ", or be named in a --mapping file"
		} else {
			msg += ", or be named in the mapping file (columns, ignore or templates)"
		}
		return nil, inputErrorf("%s", msg)
	}
	if m != nil {
		for _, tpl := range m.templates {
			if prev, ok := givenBy[tpl.target.name]; ok {
				return nil, inputErrorf("column %q and the mapping's template both give %s", prev, tpl.target.name)
			}
		}
	}
	return plan, nil
}

func (c *csvRows) columns() []string {
	var cols []string
	for _, p := range c.plan {
		if p.use == useTarget {
			cols = append(cols, p.target.name)
		}
	}
	if c.m != nil {
		for _, tpl := range c.m.templates {
			cols = append(cols, tpl.target.name)
		}
	}
	return cols
}

func (c *csvRows) next() (Row, error) {
	for c.pos >= len(c.lines) {
		if c.err != nil {
			return Row{}, c.err
		}
		c.fill()
	}
	i := c.pos
	c.pos++
	if c.problems[i] != "" {
		return c.malformed(c.lines[i], c.problems[i], c.records[i].Cells), nil
	}
	return c.row(c.lines[i], c.records[i].Cells), nil
}

func (c *csvRows) close() error {
	c.pos, c.lines, c.err = 0, c.lines[:0], io.EOF
	return nil
}

// fill reads the next batch and has gocsv decode it. At the end of the input, or when it
// cannot be read, it sets c.err, which next returns once the batch is used up.
func (c *csvRows) fill() {
	c.pos = 0
	c.cells, c.starts, c.lines, c.problems = c.cells[:0], c.starts[:0], c.lines[:0], c.problems[:0]
	startOffset := c.r.InputOffset()
	for len(c.lines) < batchRecords && c.r.InputOffset()-startOffset < batchBytes {
		rec, err := c.r.Read()
		var (
			line    int
			problem string
			pe      *csv.ParseError
		)
		switch {
		case err == nil:
			line, _ = c.r.FieldPos(0)
			if len(rec) != c.width {
				problem = fmt.Sprintf("wrong number of fields: got %d, the header has %d", len(rec), c.width)
			}
		case errors.As(err, &pe):
			// encoding/csv has skipped the bad record; reading goes on after it.
			line = pe.StartLine
			problem = fmt.Sprintf("not valid CSV: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
			rec = nil
		case errors.Is(err, io.EOF):
			c.err = io.EOF
		default:
			c.err = fmt.Errorf("reading the CSV input: %w", err)
		}
		if c.err != nil {
			break
		}
		c.starts = append(c.starts, len(c.cells))
		c.lines = append(c.lines, line)
		c.problems = append(c.problems, problem)
		n := min(len(rec), c.width)
		c.cells = append(c.cells, c.widthText)
		c.cells = append(c.cells, rec[:n]...) // copied: the csv.Reader reuses rec
		for range c.width - n {
			c.cells = append(c.cells, "")
		}
	}
	if len(c.lines) == 0 {
		return
	}
	c.batch = append(c.batch[:0], c.batchHeader)
	for _, start := range c.starts {
		c.batch = append(c.batch, c.cells[start:start+1+c.width])
	}
	if err := c.decode(); err != nil {
		c.lines = c.lines[:0]
		c.err = fmt.Errorf("decoding the CSV input: %w", err)
	}
}

// decode runs gocsv on the batch; it cannot fail on input, but a panic must not escape.
func (c *csvRows) decode() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gocsv: %v", p)
		}
	}()
	if err := gocsv.UnmarshalDecoder(c, &c.records); err != nil {
		return err
	}
	if len(c.records) < len(c.lines) {
		return fmt.Errorf("gocsv decoded %d records of %d", len(c.records), len(c.lines))
	}
	return nil
}

// malformed is the row of a record that cannot be mapped at all.
func (c *csvRows) malformed(line int, problem string, cells []string) Row {
	row := Row{Line: line, Errors: authentik.FieldErrors{rowKey: {problem}}}
	if c.username >= 0 && c.username < len(cells) {
		row.Username = printable(cells[c.username])
	}
	return row
}

// row maps and validates one record.
func (c *csvRows) row(line int, cells []string) Row {
	a := assembler{line: line, attrHint: c.attrColumns, attrs: c.attrBuf[:0]}
	for i := range c.plan {
		p := &c.plan[i]
		cell := cells[i]
		if p.use == useIgnore || cell == "" {
			continue
		}
		if problem := cellProblem(cell); problem != "" {
			a.fail(rowKey, fmt.Sprintf("%s in column %s", problem, p.name))
			if i == c.username {
				a.username = printable(cell)
			}
			if p.use == useTarget {
				a.set(p.target, value{kind: kindBad, source: p.name})
			}
			cells[i] = ""
			continue
		}
		if len(p.transforms) > 0 {
			cell = p.applyTransforms(cell)
			cells[i] = cell
		}
		if p.use == useTarget {
			a.set(p.target, value{kind: kindCell, text: cell, source: p.name})
		}
	}
	if c.m != nil && len(c.m.templates) > 0 {
		a.applyTemplates(c.m, func(col string) string { return cells[c.index[col]] })
	}
	a.applyDefaults(c.m)
	row := a.build()
	c.attrBuf = a.attrs[:0] // build copies the values out, so the buffer serves the next row
	return row
}
