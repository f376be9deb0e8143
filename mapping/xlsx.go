package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetRecords reads the rows of one sheet of an .xlsx workbook, as Excel shows the cells
// (the text a CSV export would hold); empty rows are skipped, like CSV's blank lines.
type sheetRecords struct {
	file  *excelize.File
	rows  *excelize.Rows
	line  int // the sheet's row number
	width int // the header's, once read
}

// openSheet opens a workbook (read whole: excelize needs the zip's directory at its end) and
// its sheet ("" = the first).
func openSheet(r io.Reader, sheet string) (*sheetRecords, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, inputErrorf("not an .xlsx workbook (%v): save it from Excel as .xlsx, or give its --format", err)
		}
		return nil, fmt.Errorf("reading the workbook: %w", err)
	}
	sheets := f.GetSheetList()
	name := ""
	for _, s := range sheets {
		if s == sheet || sheet == "" {
			name = s
			break
		}
		if strings.EqualFold(s, sheet) && name == "" {
			name = s
		}
	}
	if name == "" {
		f.Close()
		return nil, inputErrorf("the workbook has no sheet %q; its sheets are: %s", sheet, strings.Join(sheets, ", "))
	}
	rows, err := f.Rows(name)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading sheet %q: %w", name, err)
	}
	return &sheetRecords{file: f, rows: rows}, nil
}

func (x *sheetRecords) read() ([]string, int, int, error) {
	for x.rows.Next() {
		x.line++
		rec, err := x.rows.Columns()
		if err != nil {
			return nil, 0, 0, fmt.Errorf("reading row %d of the sheet: %w", x.line, err)
		}
		last := len(rec) - 1
		for last >= 0 && rec[last] == "" {
			last--
		}
		if last < 0 {
			continue
		}
		rec = rec[:last+1]
		if len(rec) < x.width { // trailing empty cells are not written
			rec = append(rec, make([]string, x.width-len(rec))...)
		}
		return rec, x.line, x.line, nil
	}
	if err := x.rows.Error(); err != nil {
		return nil, 0, 0, fmt.Errorf("reading the sheet: %w", err)
	}
	return nil, 0, 0, io.EOF
}

func (x *sheetRecords) close() error {
	x.rows.Close()
	return x.file.Close()
}
