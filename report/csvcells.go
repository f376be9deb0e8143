package report

import (
	"fmt"
	"slices"

	"github.com/gocarina/gocsv"
)

// csvCells is the gocsv.CSVWriter that gocsv marshals Results into. gocsv maps the struct's
// fields to cells by their csv tags; csvCells then puts the cells in csvHeader's order and
// applies the report's cell policy (empty optional counts, neutralised text) into record,
// which the csvWriter encodes.
type csvCells struct {
	record []string
	raw    bool // keep gocsv's record as is (its header, read once for the layout)
}

// csvLayout says, for each column of csvHeader, where gocsv puts it and what the policy is.
type csvLayout struct {
	from          []int // position of the column in gocsv's record (struct order)
	text, omitted []bool
}

// layout is computed once from gocsv's own header of Result.
var layout = newCSVLayout()

func newCSVLayout() csvLayout {
	header := csvCells{raw: true}
	if err := gocsv.MarshalCSV([]Result{}, &header); err != nil {
		panic(fmt.Sprintf("report: gocsv cannot marshal Result: %v", err))
	}
	l := csvLayout{from: make([]int, len(csvHeader)), text: make([]bool, len(csvHeader)), omitted: make([]bool, len(csvHeader))}
	for i, name := range csvHeader {
		l.from[i] = slices.Index(header.record, name)
		if l.from[i] < 0 {
			panic(fmt.Sprintf("report: Result has no csv tag %q", name)) // a programming error, caught by every test
		}
		l.text[i] = slices.Contains(textColumns, name)
		l.omitted[i] = slices.Contains(optionalCounts, name)
	}
	return l
}

// Write receives one record from gocsv, its cells in Result's field order.
func (c *csvCells) Write(fields []string) error {
	if c.raw {
		c.record = append(c.record[:0], fields...)
		return nil
	}
	c.record = c.record[:0]
	for i, from := range layout.from {
		cell := fields[from]
		switch {
		case layout.omitted[i] && cell == "0":
			cell = ""
		case layout.text[i]:
			cell = neutralise(cell)
		}
		c.record = append(c.record, cell)
	}
	return nil
}

// Flush and Error complete gocsv.CSVWriter: the record is only held, nothing can fail.
func (c *csvCells) Flush()       {}
func (c *csvCells) Error() error { return nil }
