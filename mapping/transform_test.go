package mapping

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestTransforms(t *testing.T) {
	tests := []struct {
		spec string // YAML of one transform
		in   string
		want string // the output, or "error: …"
	}{
		{"trim", "  a b ", "a b"},
		{"lower", "ÄBC", "äbc"},
		{"upper", "äbc", "ÄBC"},
		{"{replace: {'Dr. ': '', ß: ss}}", "Dr. Groß", "Gross"},
		{"{replace: {a: x, ab: y}}", "abab a", "yy x"}, // the longer old first
		{"{split: '|'}", "staff| it||ops ", "staff;it;ops"},
		{"{split: ', '}", "staff, it", "staff;it"},
		{"{join: ', '}", "staff;it", "staff, it"},
		{"{map: {A: true, I: false}}", "A", "true"},
		{"{map: {A: true, I: false}}", "I", "false"},
		{"{map: {A: true, I: false}}", "X", "X"},
		{"{map: {1: yes, '': no}}", "", "no"},
		{"{date: dd.mm.yyyy}", "03.02.2024", "2024-02-03T00:00:00Z"},
		{"{date: dd.mm.yyyy}", "3.2.2024", "2024-02-03T00:00:00Z"},
		{"{date: DD.MM.YYYY}", "29.02.2024", "2024-02-29T00:00:00Z"},
		{"{date: mm/dd/yy hh:mm}", "12/31/99 23:59", "1999-12-31T23:59:00Z"},
		{"{date: yyyy-mm-ddThh:mm:ss}", "2024-01-02T03:04:05", "2024-01-02T03:04:05Z"},
		{"{date: dd.mm.yyyy}", "", ""},
		{"{date: dd.mm.yyyy}", "31.02.2024", "error: not a date in the layout dd.mm.yyyy"},
		{"{date: dd.mm.yyyy}", "2024-02-03", "error: not a date in the layout dd.mm.yyyy"},
		{"{default: unknown}", "", "unknown"},
		{"{default: unknown}", "x", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.in, func(t *testing.T) {
			var spec any
			if err := yaml.Unmarshal([]byte(tt.spec), &spec); err != nil {
				t.Fatal(err)
			}
			tr, err := compileTransform(spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr(tt.in)
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTransformErrors(t *testing.T) {
	known := "known: date, default, join, lower, map, replace, split, trim, upper"
	for spec, want := range map[string]string{
		"reverse":                 `unknown transform "reverse"; ` + known,
		"{trim: x}":               "trim: takes no argument",
		"{split: ''}":             "split: needs a separator",
		"{replace: x}":            "replace: needs a map",
		"{replace: {'': x}}":      "replace: an empty text to replace",
		"{map: {A: [1]}}":         `map: "A": needs a single value`,
		"{date: dd.mm}":           `date: layout "dd.mm" needs a day (dd), a month (mm) and a year (yyyy or yy)`,
		"{date: dd_mm_yyyy}":      `date: layout "dd_mm_yyyy": unknown "_"`,
		"{date: '%d.%m.%Y'}":      `unknown "%"`,
		"{default: [a]}":          "default: needs a single value",
		"{split: '|', join: ','}": "a transform with an argument is a map of one key",
		"[trim]":                  "is not a transform",
	} {
		var v any
		if err := yaml.Unmarshal([]byte(spec), &v); err != nil {
			t.Fatal(err)
		}
		if _, err := compileTransform(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", spec, err, want)
		}
	}
}

// Transforms in a mapping file: on columns, on a template's result, and a value one cannot
// take is the row's error with the value.
func TestMappingTransforms(t *testing.T) {
	m := mustMapping(t, `
columns: {status: is_active, teams: groups, seen: last_login}
transforms:
  status: [{map: {A: true, I: false}}]
  teams: [{split: "|"}]
  seen: [{date: dd.mm.yyyy}]
  username: [lower, {replace: {" ": "."}}]
  first: [{default: "-"}]
templates: {username: "{{first}} {{last}}", name: "{{first}} {{last}}"}
`)
	rows := readAll(t, FormatCSV, "first,last,status,teams,seen\nAnn,Lee,A,staff|it,01.02.2024\n,Kim,X,,31.02.2024\n", m)
	if got := mustJSON(t, rows[0].Request); got != `{"username":"ann.lee","name":"Ann Lee","is_active":true,"last_login":"2024-02-01T00:00:00Z"}` {
		t.Errorf("row 1: %s", got)
	}
	if got := strings.Join(rows[0].GroupNames, ","); got != "staff,it" {
		t.Errorf("groups %q", got)
	}
	if got, want := rows[1].ErrorText(), `is_active: Must be a valid boolean. (got "X"); last_login: column seen: not a date in the layout dd.mm.yyyy (got "31.02.2024")`; got != want {
		t.Errorf("row 2:\n got %s\nwant %s", got, want)
	}
	if rows[1].Username != "-.kim" {
		t.Errorf("row 2 username %q", rows[1].Username)
	}
}
