package mapping

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// The CSV input is read by encoding/csv directly, not decoded by gocsv: its columns are not a
// fixed schema (attributes.<key> columns, columns renamed or built by a mapping file), so a
// struct with csv tags cannot name them; the header is planned once (planHeader) and each
// record's cells are mapped by position.
// csvRows turns CSV records into rows, one batch at a time.
type csvRows struct {
	m           *Mapping
	plan        []columnPlan
	index       map[string]int // header name → position, for templates
	username    int            // position of the column that gives username, or -1
	attrColumns int            // how many columns give attributes.<key>
	attrBuf     []attrValue    // the assembler's attributes.<key> values, reused row to row

	r     *csv.Reader
	width int
	cells []string // a short record padded to the header's width, reused
	err   error    // what ended the stream (io.EOF, I/O error), returned from then on
}

func newCSVRows(r io.Reader, m *Mapping) (*csvRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a short or long row is an invalid row, not a stream error
	cr.ReuseRecord = true   // a record is mapped before the next Read
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
	if c.err != nil {
		return Row{}, c.err
	}
	rec, err := c.r.Read()
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := c.r.FieldPos(0)
		if len(rec) != c.width {
			cells := append(c.cells[:0], rec[:min(len(rec), c.width)]...)
			for len(cells) < c.width {
				cells = append(cells, "")
			}
			c.cells = cells
			return c.malformed(line, fmt.Sprintf("wrong number of fields: got %d, the header has %d", len(rec), c.width), cells), nil
		}
		return c.row(line, rec), nil
	case errors.As(err, &pe):
		// encoding/csv has skipped the bad record; reading goes on after it.
		return c.malformed(pe.StartLine, fmt.Sprintf("not valid CSV: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column), nil), nil
	case errors.Is(err, io.EOF):
		c.err = io.EOF
	default:
		c.err = fmt.Errorf("reading the CSV input: %w", err)
	}
	return Row{}, c.err
}

func (c *csvRows) close() error {
	c.err = io.EOF
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
