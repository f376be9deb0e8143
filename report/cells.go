package report

import "strings"

// The report's CSV columns, in the order the writer emits them. Readers find columns by
// name, so columns may be added later.
const (
	colLine       = "line"
	colUsername   = "username"
	colStatus     = "status"
	colHTTPStatus = "http_status"
	colPK         = "pk"
	colUUID       = "uuid"
	colAttempts   = "attempts"
	colError      = "error"
	colWarnings   = "warnings"
	colInput      = "input"
	colAction     = "action" // added after the brief's list: last, so older readers are unaffected
	colOnboarding = "onboarding"
)

// csvHeader is the report's column order: the contract older readers and spreadsheets see.
// gocsv emits Result's fields in struct order, which is JSON's (action before input);
// csvCells puts them in this order.
var csvHeader = []string{
	colLine, colUsername, colStatus, colHTTPStatus, colPK, colUUID, colAttempts, colError, colWarnings, colInput, colAction, colOnboarding,
}

// textColumns are the cells a person or another tool wrote (usernames, authentik's messages),
// which neutralise makes safe for spreadsheets; countColumns are the whole numbers; of those,
// optionalCounts are written empty when 0 (no answer, no user).
var (
	textColumns    = []string{colUsername, colUUID, colError, colWarnings, colAction, colOnboarding}
	countColumns   = []string{colLine, colHTTPStatus, colPK, colAttempts}
	optionalCounts = []string{colHTTPStatus, colPK}
)

// warningSeparator joins a row's warnings into one cell. The cell is for people: a warning
// that itself contains "; " reads back as two warnings (the JSONL report keeps them apart).
const warningSeparator = "; "

// neutralisePrefix is prepended to text cells a spreadsheet would run as a formula.
const neutralisePrefix = '\''

// needsNeutralising reports whether a spreadsheet could read the cell as a formula (OWASP
// "CSV injection": = + - @, tab, carriage return). A cell that already starts with the
// prefix is marked too, so that unneutralise can always drop exactly one prefix.
func needsNeutralising(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r', neutralisePrefix:
		return true
	}
	return false
}

// neutralise makes a text cell safe to open in a spreadsheet; unneutralise undoes it.
func neutralise(cell string) string {
	if needsNeutralising(cell) {
		return string(neutralisePrefix) + cell
	}
	return cell
}

// unneutralise drops the prefix neutralise added.
func unneutralise(cell string) string {
	return strings.TrimPrefix(cell, string(neutralisePrefix))
}

// Warnings are a row's non-fatal remarks. In the CSV report they share one cell, joined by
// warningSeparator (gocsv calls MarshalCSV and UnmarshalCSV); in JSON they are a list.
type Warnings []string

// MarshalCSV joins the warnings into their cell.
func (w Warnings) MarshalCSV() (string, error) { return joinWarnings(w), nil }

// UnmarshalCSV splits a warnings cell.
func (w *Warnings) UnmarshalCSV(cell string) error {
	*w = splitWarnings(cell)
	return nil
}

// UnmarshalCSV accepts only the statuses of the design's report table.
func (s *Status) UnmarshalCSV(cell string) error {
	status, err := parseStatus(cell)
	*s = status
	return err
}

// joinWarnings and splitWarnings convert between a row's warnings and its CSV cell.
func joinWarnings(warnings []string) string { return strings.Join(warnings, warningSeparator) }

func splitWarnings(cell string) []string {
	if cell == "" {
		return nil
	}
	return strings.Split(cell, warningSeparator)
}
