package mapping

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/xuri/excelize/v2"
)

// records yields a table's records: CSV, or the rows of a sheet.
type records interface {
	// read returns the next record and its first and last line; a *badRecord error is a
	// record that could not be split into cells, and reading goes on after it.
	read() (rec []string, line, end int, err error)
	close() error
}

type badRecord struct {
	line, end int
	msg       string
}

func (e *badRecord) Error() string { return e.msg }

// csvRecords reads CSV with encoding/csv, not gocsv: the columns are not a fixed schema, so
// the header is planned once (planHeader) and each record's cells are mapped by position.
type csvRecords struct {
	r       *csv.Reader
	text    *textWatch
	skipped int // lines before the header's that csv.Reader does not see ("sep=")
}

func newCSVRecords(br *bufio.Reader, text *textWatch, delim rune) *csvRecords {
	c := &csvRecords{r: csv.NewReader(br), text: text}
	c.r.Comma, c.skipped = delimiter(br, delim)
	c.r.FieldsPerRecord = -1 // a short or long row is an invalid row, not a stream error
	c.r.ReuseRecord = true   // a record is mapped before the next Read
	return c
}

func (c *csvRecords) read() ([]string, int, int, error) {
	rec, err := c.r.Read()
	for err == nil && !slices.ContainsFunc(rec, func(cell string) bool { return cell != "" }) {
		rec, err = c.r.Read() // Excel writes ";;" for rows that were formatted: like a blank line
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, 0, 0, err
		}
		pe.StartLine, pe.Line = pe.StartLine+c.skipped, pe.Line+c.skipped
		msg := fmt.Sprintf("not valid CSV: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
		if pe.Line > pe.StartLine {
			msg += fmt.Sprintf(": lines %d–%d were read as one record, a quote is probably unbalanced", pe.StartLine, pe.Line)
		}
		return nil, 0, 0, &badRecord{pe.StartLine, pe.Line, msg}
	}
	line, _ := c.r.FieldPos(0)
	end, _ := c.r.FieldPos(len(rec) - 1)
	return rec, c.skipped + line, c.skipped + end + strings.Count(rec[len(rec)-1], "\n"), nil
}

func (c *csvRecords) close() error { return nil }

// tableRows turns records into rows.
type tableRows struct {
	m         *Mapping
	plan      []columnPlan
	index     map[string]int // folded header name → position, for templates
	username  int            // position of the column that gives username, or -1
	attrBuf   []attrValue    // the assembler's attributes.<key> values, reused row to row
	delim     string         // CSV's delimiter, "" for a sheet
	malformed string         // IdentityUnsure of a record that cannot be mapped
	text      *textWatch     // CSV's: cells need a check only once it is dirty
	sheet     *sheetRecords  // an .xlsx sheet's, which knows the cells' types

	recs  records
	width int
	err   error // what ended the stream (io.EOF, I/O error), returned from then on
}

func newTableRows(recs records, m *Mapping) (*tableRows, error) {
	header, _, _, err := recs.read()
	var bad *badRecord
	switch {
	case errors.Is(err, io.EOF):
		return nil, inputErrorf("the file is empty: expected a header row")
	case errors.As(err, &bad):
		return nil, inputErrorf("the header row is %s", bad.msg)
	case err != nil:
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	header = slices.Clone(header)
	plan, index, err := planHeader(header, m)
	if err != nil {
		return nil, err
	}
	c := &tableRows{m: m, plan: plan, index: index, recs: recs, width: len(header), malformed: "malformed sheet row",
		username: slices.IndexFunc(plan, func(p columnPlan) bool { return p.gives(fieldUsername) })}
	if cr, ok := recs.(*csvRecords); ok {
		c.delim, c.malformed, c.text = string(cr.r.Comma), "malformed CSV row", cr.text
	}
	c.sheet, _ = recs.(*sheetRecords)
	return c, nil
}

// planHeader decides what each column is for, and its position by folded name, and refuses
// headers that cannot be imported.
func planHeader(header []string, m *Mapping) ([]columnPlan, map[string]int, error) {
	seen := make(map[string]int, len(header))
	for i, name := range header {
		if p := cellProblem(name); p != "" {
			return nil, nil, inputErrorf("the header has %s in column %d: the file is binary or not UTF-8; export the data as \"CSV UTF-8\", or give its --encoding (e.g. windows-1252)", p, i+1)
		}
		if j, dup := seen[fold(name)]; dup && fold(name) != "" {
			return nil, nil, inputErrorf("column %q appears twice in the header (columns %d and %d)", name, j+1, i+1)
		}
		seen[fold(name)] = i
	}
	var missing []string
	for _, col := range m.namedColumns() {
		if _, ok := seen[col]; !ok {
			missing = append(missing, strconv.Quote(col)+didYouMean(col, header))
		}
	}
	if len(missing) > 0 {
		return nil, nil, inputErrorf("the mapping names column(s) %s that the file does not have; the file's columns are: %s",
			strings.Join(missing, ", "), strings.Join(header, ", "))
	}
	plan := make([]columnPlan, len(header))
	var unknown []string
	givenBy := make(map[string]string)
	for i, name := range header {
		plan[i] = m.resolve(name)
		switch plan[i].use {
		case useUnknown:
			unknown = append(unknown, strconv.Quote(name)+didYouMean(fold(name), fieldNames[:]))
		case useTarget:
			t := plan[i].target.name
			if prev, ok := givenBy[t]; ok {
				return nil, nil, inputErrorf("columns %q and %q both give %s", prev, name, t)
			}
			givenBy[t] = name
		}
	}
	if len(unknown) > 0 {
		msg := fmt.Sprintf("unknown column(s) %s: a column must be one of %s", strings.Join(unknown, ", "), acceptedFields())
		if m == nil {
			msg += ", or be named in a --mapping file"
		} else {
			msg += ", or be named in the mapping file (columns, ignore, transforms or templates)"
		}
		if len(header) == 1 && strings.ContainsAny(header[0], ",;\t|") {
			msg += "; the header is one column: give the file's --delimiter, or leave it out to detect it"
		}
		return nil, nil, inputErrorf("%s", msg)
	}
	if m != nil {
		for _, tpl := range m.templates {
			if prev, ok := givenBy[tpl.plan.target.name]; ok {
				return nil, nil, inputErrorf("column %q and the mapping's template both give %s", prev, tpl.plan.target.name)
			}
		}
	}
	return plan, seen, nil
}

func (c *tableRows) columns() []string {
	var cols []string
	for _, p := range c.plan {
		if p.use == useTarget {
			cols = append(cols, p.target.name)
		}
	}
	if c.m != nil {
		for _, tpl := range c.m.templates {
			cols = append(cols, tpl.plan.target.name)
		}
	}
	return cols
}

func (c *tableRows) next() (Row, error) {
	if c.err != nil {
		return Row{}, c.err
	}
	rec, line, end, err := c.recs.read()
	var bad *badRecord
	switch {
	case err == nil:
		if len(rec) != c.width {
			return c.malformedRow(line, end, fmt.Sprintf("wrong number of fields: got %d, the header has %d", len(rec), c.width), rec), nil
		}
		return c.row(line, end, rec), nil
	case errors.As(err, &bad):
		return c.malformedRow(bad.line, bad.end, bad.msg, nil), nil
	case errors.Is(err, io.EOF):
		c.err = io.EOF
	default:
		c.err = fmt.Errorf("reading the input: %w", err)
	}
	return Row{}, c.err
}

func (c *tableRows) close() error {
	c.err = io.EOF
	return c.recs.close()
}

// malformedRow is the row of a record that cannot be mapped at all. Its username is shown
// only from the first cell: a delimiter in an earlier cell (a password) shifts later ones.
func (c *tableRows) malformedRow(line, end int, problem string, cells []string) Row {
	row := Row{Line: line, EndLine: end, IdentityUnsure: c.malformed, Errors: authentik.FieldErrors{rowKey: {problem}}}
	if c.username == 0 && len(cells) > 0 {
		row.Username = Strip(printable(cells[0]))
	}
	return row
}

// row maps and validates one record.
func (c *tableRows) row(line, end int, cells []string) Row {
	var a assembler // not a composite literal, which Go builds in a temporary and copies
	a.line, a.end, a.attrs = line, end, c.attrBuf[:0]
	if end > line {
		c.checkJoined(&a, cells)
	}
	for i := range c.plan {
		p := &c.plan[i]
		cell := cells[i]
		if p.use == useIgnore || cell == "" && len(p.transforms) == 0 {
			continue
		}
		if p.use == useUnnamed {
			a.fail(rowKey, fmt.Sprintf("column %d has a value but no name in the header: name the column, or delete it", i+1))
			continue
		}
		problem, hint := "", ""
		if c.text == nil || c.text.dirty {
			problem = cellProblem(cell)
		}
		if problem == msgInvalidUTF8 {
			hint = " (if the file is not UTF-8, give its --encoding, e.g. windows-1252)"
		}
		if c.sheet != nil && strings.HasPrefix(cell, "#") && c.sheet.formulaError(i+1, line) {
			problem, hint = "a formula error ("+cell+")", ": correct the formula in the workbook"
		}
		if problem != "" {
			a.fail(rowKey, fmt.Sprintf("%s in column %s%s", problem, p.name, hint))
			if i == c.username {
				a.username, a.unsure = printable(cell), "unreadable username"
			}
			if p.use == useTarget {
				a.set(p.target, value{kind: kindBad, source: p.name})
			}
			cells[i] = ""
			continue
		}
		if len(p.transforms) > 0 {
			cell = a.transform(p, cell)
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

// checkJoined refuses a record spanning several lines where no line break belongs: in the
// username, name, email or path, or as a line of another cell that looks like a record.
func (c *tableRows) checkJoined(a *assembler, cells []string) {
	for i, cell := range cells {
		if !strings.Contains(cell, "\n") {
			continue
		}
		p := &c.plan[i]
		joined := (p.gives(fieldUsername) || p.gives(fieldName) || p.gives(fieldEmail) || p.gives(fieldPath)) &&
			strings.Contains(Strip(cell), "\n")
		json := p.gives(fieldAttributes)
		for l := range strings.Lines(cell) {
			joined = joined || !json && c.delim != "" && c.width > 1 && strings.Count(l, c.delim) >= c.width-1
		}
		if joined {
			a.unsure = fmt.Sprintf("lines %d–%d joined into one record", a.line, a.end)
			a.fail(rowKey, fmt.Sprintf("lines %d–%d were read as one record, column %s holding the line breaks: a quote is probably unbalanced", a.line, a.end, p.name))
			return
		}
	}
}

// sheetRecords reads the rows of one sheet of an .xlsx workbook, as Excel shows the cells
// (the text a CSV export would hold); empty rows are skipped, like CSV's blank lines.
type sheetRecords struct {
	file  *excelize.File
	name  string
	rows  *excelize.Rows
	line  int // the sheet's row number
	width int // the header's
}

// openSheet reads a workbook whole (excelize needs the zip's directory) and opens its sheet.
func openSheet(r io.Reader, sheet string) (*sheetRecords, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(oleMagic)); bytes.Equal(head, oleMagic) {
		return nil, inputErrorf("%s", notText(head))
	}
	f, err := excelize.OpenReader(br)
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, inputErrorf("not an .xlsx workbook (%v): save it from Excel as .xlsx, or give its --format", err)
		}
		return nil, fmt.Errorf("reading the workbook: %w", err)
	}
	sheets := f.GetSheetList()
	i := slices.IndexFunc(sheets, func(s string) bool { return s == sheet || sheet == "" })
	if i < 0 {
		i = slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, sheet) })
	}
	if i < 0 {
		f.Close()
		return nil, inputErrorf("the workbook has no sheet %q; its sheets are: %s", sheet, strings.Join(sheets, ", "))
	}
	name := sheets[i]
	rows, err := f.Rows(name)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading sheet %q: %w", name, err)
	}
	return &sheetRecords{file: f, name: name, rows: rows}, nil
}

func (x *sheetRecords) read() ([]string, int, int, error) {
	for x.rows.Next() {
		x.line++
		rec, err := x.rows.Columns()
		if err != nil {
			return nil, 0, 0, fmt.Errorf("reading row %d of the sheet: %w", x.line, err)
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		if len(rec) == 0 {
			continue
		}
		if x.width == 0 {
			x.width = len(rec) // the header's
		} else if len(rec) < x.width { // trailing empty cells are not written
			rec = append(rec, make([]string, x.width-len(rec))...)
		}
		return rec, x.line, x.line, nil
	}
	if err := x.rows.Error(); err != nil {
		return nil, 0, 0, fmt.Errorf("reading the sheet: %w", err)
	}
	return nil, 0, 0, io.EOF
}

// formulaError reports whether a cell holds a formula's error (#N/A, #REF!…), not a value.
func (x *sheetRecords) formulaError(col, row int) bool {
	ref, _ := excelize.CoordinatesToCellName(col, row)
	t, _ := x.file.GetCellType(x.name, ref)
	return t == excelize.CellTypeError
}

func (x *sheetRecords) close() error {
	x.rows.Close()
	return x.file.Close()
}
