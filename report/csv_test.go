package report

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/gocarina/gocsv"
)

// rowOf is r as the CSV schema holds it.
func rowOf(r Result) csvRow {
	return csvRow{Line: count(r.Line), Username: text(r.Username), Status: r.Status, HTTPStatus: optCount(r.HTTPStatus),
		PK: optCount(r.PK), UUID: text(r.UUID), Attempts: count(r.Attempts), Error: text(r.Error), Warnings: r.Warnings,
		Input: r.Input, Action: text(r.Action), Onboarding: text(r.Onboarding)}
}

// gocsvBytes is what gocsv itself writes for rows.
func gocsvBytes(t testing.TB, rows []Result) []byte {
	t.Helper()
	schema := make([]csvRow, len(rows))
	for i, r := range rows {
		schema[i] = rowOf(r)
	}
	b, err := gocsv.MarshalBytes(schema)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The hand-written writer writes exactly what gocsv marshals from the schema.
func TestCSVWriterIsGocsvsSchema(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, NewCSVWriter(&buf), sampleResults())
	if want := gocsvBytes(t, sampleResults()); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("hand-written:\n%s\ngocsv:\n%s", buf.Bytes(), want)
	}
}

func TestTextCell(t *testing.T) {
	tests := []struct {
		name, cell, want string
	}{
		{"empty", "", ""},
		{"plain", "alice", "alice"},
		{"equals", "=1+1", "'=1+1"},
		{"plus", "+1", "'+1"},
		{"minus", "-1", "'-1"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"already quoted", "'x", "''x"},
		{"sign later", "a=b", "a=b"},
		{"leading space", " =1", " =1"},
		{"newline", "\nx", "\nx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := text(tt.cell).MarshalCSV()
			if got != tt.want {
				t.Errorf("MarshalCSV(%q) = %q, want %q", tt.cell, got, tt.want)
			}
			var back text
			if err := back.UnmarshalCSV(got); err != nil || string(back) != tt.cell {
				t.Errorf("UnmarshalCSV(%q) = %q, %v; want %q", got, back, err, tt.cell)
			}
		})
	}
}

func TestCSVNeutralisesTextCellsOnly(t *testing.T) {
	r := Result{Line: 2, Username: "=u", Status: StatusInvalid, UUID: "-id", Error: "+e", Warnings: []string{"@w", "=x"}, Input: "-input", Action: "-a", Onboarding: "=o"}
	var buf bytes.Buffer
	writeAll(t, NewCSVWriter(&buf), []Result{r})
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2", "'=u", "invalid", "", "", "'-id", "0", "'+e", "'@w; =x", "-input", "'-a", "'=o"}
	if !reflect.DeepEqual(records[1], want) {
		t.Errorf("record = %q, want %q", records[1], want)
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		cell        string
		emptyIsZero bool
		want        int
		wantErr     bool
	}{
		{"0", false, 0, false},
		{"17", false, 17, false},
		{"", true, 0, false},
		{"", false, 0, true},
		{"-7", false, 0, true},
		{"+7", false, 0, true},
		{"1.5", false, 0, true},
		{" 7", false, 0, true},
		{"0x10", false, 0, true},
		{"99999999999999999999", false, 0, true},
	}
	for _, tt := range tests {
		n := -1
		err := parseCount(&n, tt.cell, tt.emptyIsZero)
		if (err != nil) != tt.wantErr || (err == nil && n != tt.want) {
			t.Errorf("parseCount(%q, %v) = %d, %v; want %d, error %v", tt.cell, tt.emptyIsZero, n, err, tt.want, tt.wantErr)
		}
	}
}

// An undo report (deleted, skipped) reads back like an import's, in both formats.
func TestUndoReportReadsBack(t *testing.T) {
	rows := []Result{
		{Line: 2, Username: "a", Status: StatusDeleted, HTTPStatus: 204, PK: 7, Attempts: 1},
		{Line: 3, Username: "b", Status: StatusSkipped, Error: "gone: deleted meanwhile"},
		{Line: 4, Username: "c", Status: StatusDeactivated, HTTPStatus: 200, PK: 9, Attempts: 1},
	}
	for name, newW := range map[string]func(*bytes.Buffer) Writer{
		"csv":   func(b *bytes.Buffer) Writer { return NewCSVWriter(b) },
		"jsonl": func(b *bytes.Buffer) Writer { return NewJSONLWriter(b) },
	} {
		var buf bytes.Buffer
		writeAll(t, newW(&buf), rows)
		got, err := readAll(t, buf.Bytes())
		if err != nil || !reflect.DeepEqual(got, rows) {
			t.Errorf("%s: read back %+v, %v; want %+v", name, got, err, rows)
		}
	}
}

func TestCSVHeaderIsTheSchema(t *testing.T) {
	header, err := gocsv.MarshalString([]csvRow{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSuffix(header, "\n"), strings.Join(csvHeader, ","); got != want {
		t.Errorf("csvRow's columns %q, csvHeader %q", got, want)
	}
}
