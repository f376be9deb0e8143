package mapping

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// lineAndErrors is what the CSV quirk tests compare per row.
type lineAndErrors struct {
	line     int
	username string
	errors   string // FieldErrors.String(); "" for a valid row
}

func summarize(rows []Row) []lineAndErrors {
	out := make([]lineAndErrors, len(rows))
	for i, r := range rows {
		out[i] = lineAndErrors{line: r.Line, username: r.Username, errors: r.Errors.String()}
	}
	return out
}

const encodingHint = " (if the file is not UTF-8, give its --encoding, e.g. windows-1252)"

func TestCSVQuirks(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []lineAndErrors
	}{
		{"BOM", "\uFEFFusername,name\nbob,Bob\n", []lineAndErrors{{2, "bob", ""}}},
		{"CRLF", "username,name\r\nbob,Bob\r\nann,Ann\r\n", []lineAndErrors{{2, "bob", ""}, {3, "ann", ""}}},
		{"no final newline", "username,name\nbob,Bob", []lineAndErrors{{2, "bob", ""}}},
		{"header only", "username,name\n", nil},
		{"blank lines skipped, numbers kept", "username,name\n\nbob,Bob\n\n\nann,Ann\n", []lineAndErrors{{3, "bob", ""}, {6, "ann", ""}}},
		{"quoted newline: line of the row's start", "username,name,attributes.notes\nbob,Bob,\"B\r\nob\"\nann,Ann,\n",
			[]lineAndErrors{{2, "bob", ""}, {4, "ann", ""}}},
		{"quoted newline in a username", "username,name\n\"bo\nb\",Bob\nann,Ann\n",
			[]lineAndErrors{{2, "bo\nb", "row: lines 2–3 were read as one record, column username holding the line breaks: a quote is probably unbalanced; username: A line break is not allowed in a username."}, {4, "ann", ""}}},
		{"a stray quote swallows rows", "username,name,attributes.notes\na,A,\"oops\nb,B,\nc,C,\"\nd,D,\n",
			[]lineAndErrors{{2, "a", "row: lines 2–4 were read as one record, column attributes.notes holding the line breaks: a quote is probably unbalanced"}, {5, "d", ""}}},
		{"quoted quotes and commas", "username,name\n\"b\"\"o,b\",\"x, y\"\n", []lineAndErrors{{2, "b\"o,b", ""}}},
		{"too few fields", "username,name,email\nbob,Bob\nann,Ann,\n",
			[]lineAndErrors{{2, "bob", "row: wrong number of fields: got 2, the header has 3"}, {3, "ann", ""}}},
		{"too many fields", "username,name\nbob,Bob,x\n",
			[]lineAndErrors{{2, "bob", "row: wrong number of fields: got 3, the header has 2"}}},
		{"bare quote", "username,name\nb\"ob,Bob\nann,Ann\n",
			[]lineAndErrors{{2, "", `row: not valid CSV: bare " in non-quoted-field (line 2, column 2)`}, {3, "ann", ""}}},
		{"unterminated quote eats the rest", "username,name\nbob,Bob\n\"ann,Ann\ncid,Cid\n",
			[]lineAndErrors{{2, "bob", ""}, {3, "", `row: not valid CSV: extraneous or missing " in quoted-field (line 4, column 9): lines 3–4 were read as one record, a quote is probably unbalanced`}}},
		{"invalid UTF-8 in a UTF-8 file", "username,name,email\nzoe,Zoë,\nbob,B\xffob,b\xfe@example.com\n",
			[]lineAndErrors{{2, "zoe", ""}, {3, "bob", "row: invalid UTF-8 in column name" + encodingHint + "; row: invalid UTF-8 in column email" + encodingHint}}},
		{"invalid UTF-8 username still reported", "username,name\nzoe,Zoë\nb\xffb,Bob\n",
			[]lineAndErrors{{2, "zoe", ""}, {3, "b\uFFFDb", "row: invalid UTF-8 in column username" + encodingHint}}},
		{"semicolons", "username;name\nbob;Bob\n", []lineAndErrors{{2, "bob", ""}}},
		{"tabs", "username\tname\nbob\tBob, Jr\n", []lineAndErrors{{2, "bob", ""}}},
		{"column names folded", " UserName ;Name\nbob;Bob\n", []lineAndErrors{{2, "bob", ""}}},
		{"NUL byte", "username,name\nbob,B\x00ob\n",
			[]lineAndErrors{{2, "bob", "row: a NUL byte in column name"}}},
		{"unnamed columns ignored, unless they hold a value", "username,,name,\nbob,,Bob,\nann,,Ann,x\n",
			[]lineAndErrors{{2, "bob", ""}, {3, "ann", "row: column 4 has a value but no name in the header: name the column, or delete it"}}},
		{"records of empty cells skipped like blank lines", "username;name\r\n;\r\nbob;Bob\r\n\"\";\r\n;;\r\nann;Ann\r\n",
			[]lineAndErrors{{3, "bob", ""}, {6, "ann", ""}}},
		{"Excel's sep= line names the delimiter", "sep=;\r\nusername;name\r\nbob;Bob, Jr\r\nb\"ob;Bob\r\n",
			[]lineAndErrors{{3, "bob", ""}, {4, "", `row: not valid CSV: bare " in non-quoted-field (line 4, column 2)`}}},
		{"a malformed row shows no username shifted from another column", "password,username,name\nSec,ret,bob,Bob\n",
			[]lineAndErrors{{2, "", "row: wrong number of fields: got 4, the header has 3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(readAll(t, FormatCSV, tt.input, nil))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		mapping string
		want    string // a part of the message
	}{
		{"empty file", "", "", "the file is empty: expected a header row"},
		{"only a BOM and newline", "\n", "", "the file is empty"},
		{"unknown column", "username,name,emial,foo\n", "", `unknown column(s) "emial" (did you mean "email"?), "foo": a column must be one of username, name, email, is_active, path, type, groups, attributes, last_login, password, password_hash, attributes.<key>`},
		{"bad attributes column", "username,attributes.\n", "", `unknown column(s) "attributes."`},
		{"duplicate column", "username,name,username\n", "", `column "username" appears twice in the header (columns 1 and 3)`},
		{"invalid UTF-8 in header", "username,n\xffme,Zoë\n", "", "the header has invalid UTF-8 in column 2"},
		{"did you mean", "username,Name,E-Mail,active\n", "", `unknown column(s) "E-Mail" (did you mean "email"?), "active" (did you mean "is_active"?)`},
		{"one column holding a delimiter", "username|name\n", "", `the header is one column: give the file's --delimiter`},
		{"mapping column misspelt", "Logn,name\n", "columns: {login: username}\n", `the mapping names column(s) "login" (did you mean "Logn"?) that the file does not have`},
		{"same column twice in other case", "username,name,Email,email\n", "", `column "email" appears twice in the header (columns 3 and 4)`},
		{"broken header", "username,\"name\n", "", "the header row is not valid CSV"},
		{"mapping names missing columns", "login,name\n", "columns: {login: username, mail: email}\nignore: [notes]\n",
			`the mapping names column(s) "mail", "notes" that the file does not have; the file's columns are: login, name`},
		{"unknown column with mapping", "login,name,x\n", "columns: {login: username}\n", `unknown column(s) "x"`},
		{"two columns give one field", "login,username\n", "columns: {login: username}\n", `columns "login" and "username" both give username`},
		{"template and column give one field", "first,last,name\n", "templates: {name: '{{first}} {{last}}'}\n", `column "name" and the mapping's template both give name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *Mapping
			if tt.mapping != "" {
				m = mustMapping(t, tt.mapping)
			}
			_, err := NewReader(strings.NewReader(tt.input), Options{Format: FormatCSV, Mapping: m})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("error %v does not wrap ErrInput", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n %v\nwant it to contain\n %v", err, tt.want)
			}
		})
	}
}

func TestCSVBigInputs(t *testing.T) {
	t.Run("10000 columns", func(t *testing.T) {
		var h, r strings.Builder
		h.WriteString("username,name")
		r.WriteString("bob,Bob")
		for i := range 10_000 {
			h.WriteString(",attributes.k")
			h.WriteString(itoa(i))
			r.WriteString(",v")
		}
		row := readOne(t, FormatCSV, h.String()+"\n"+r.String()+"\n", nil)
		checkErrors(t, row, nil)
		if len(row.Request.Attributes) != 10_000 {
			t.Errorf("got %d attributes, want 10000", len(row.Request.Attributes))
		}
	})
	t.Run("1 MiB cell", func(t *testing.T) {
		big := strings.Repeat("x", 1<<20)
		rows := readAll(t, FormatCSV, "username,name,attributes.blob\nbob,Bob,"+big+"\nann,Ann,\n", nil)
		if len(rows) != 2 {
			t.Fatalf("got %d rows", len(rows))
		}
		checkErrors(t, rows[0], nil)
		if got := rows[0].Request.Attributes["blob"].(string); len(got) != 1<<20 {
			t.Errorf("blob has %d bytes", len(got))
		}
		if rows[1].Line != 3 {
			t.Errorf("second row on line %d, want 3", rows[1].Line)
		}
	})
	t.Run("many rows keep their lines", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("username,name\n")
		for i := range 1000 {
			b.WriteString("u" + itoa(i) + ",N\n")
		}
		rows := readAll(t, FormatCSV, b.String(), nil)
		for i, r := range rows {
			if r.Line != i+2 {
				t.Fatalf("row %d on line %d, want %d", i, r.Line, i+2)
			}
		}
	})
}

func TestCSVAttributes(t *testing.T) {
	tests := []struct {
		name   string
		header string
		row    string
		want   string // JSON of the attributes, or the error
	}{
		{"nesting", "username,name,attributes.address.city,attributes.address.zip,attributes.dept",
			"bob,Bob,Paris,75001,RnD", `{"address":{"city":"Paris","zip":"75001"},"dept":"RnD"}`},
		{"merged with the cell, columns win", "username,name,attributes,attributes.a.b,attributes.c",
			`bob,Bob,"{""a"":{""x"":1},""c"":""old""}",new,2`, `{"a":{"b":"new","x":1},"c":"2"}`},
		{"empty attribute cells are not sent", "username,name,attributes.a", "bob,Bob,", `null`},
		{"value then nested key", "username,name,attributes.a,attributes.a.b", "bob,Bob,1,2",
			"attributes: attributes.a.b conflicts with attributes.a: a key cannot hold both a value and nested keys"},
		{"nested key then value", "username,name,attributes.a.b,attributes.a", "bob,Bob,2,1",
			"attributes: attributes.a conflicts with attributes.a: a key cannot hold both a value and nested keys"},
		{"no conflict when one is empty", "username,name,attributes.a,attributes.a.b", "bob,Bob,,2", `{"a":{"b":"2"}}`},
		{"column meets a value of the cell", "username,name,attributes,attributes.a.b", `bob,Bob,"{""a"":1}",2`,
			`attributes: attributes.a conflicts with the attributes column's "a": a key cannot hold both a value and nested keys`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, FormatCSV, tt.header+"\n"+tt.row+"\n", nil)
			var got string
			if row.Valid() {
				got = mustJSON(t, row.Request.Attributes)
			} else {
				got = row.Errors.String()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCSVReadError(t *testing.T) {
	// past the first 64 KiB, which NewReader reads to check the input
	in := io.MultiReader(strings.NewReader("username,name\nbob,Bob\n"+strings.Repeat("x,X\n", 20_000)), iotest.ErrReader(errors.New("disk on fire")))
	r, err := NewReader(in, Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil || row.Username != "bob" {
		t.Fatalf("first row = %+v, %v", row, err)
	}
	for err == nil {
		_, err = r.Next()
	}
	if !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want the read error", err)
	}
	if _, err := r.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("the error must stick, got %v", err)
	}
}

func TestCSVClose(t *testing.T) {
	r, err := NewReader(strings.NewReader("username,name\na,A\nb,B\n"), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after Close: %v, want io.EOF", err)
	}
}

func TestColumns(t *testing.T) {
	m := mustMapping(t, "columns: {login: username}\nignore: [x]\ntemplates: {name: '{{first}}'}\n")
	r, err := NewReader(strings.NewReader("login,x,first,attributes.a\n"), Options{Format: FormatCSV, Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(r.Columns(), ","), "username,attributes.a,name"; got != want {
		t.Errorf("Columns() = %s, want %s", got, want)
	}
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path string
		want Format
		err  string
	}{
		{"users.csv", FormatCSV, ""},
		{"USERS.CSV", FormatCSV, ""},
		{"users.jsonl", FormatJSONL, ""},
		{"a/users.ndjson", FormatJSONL, ""},
		{"users.txt", "", `cannot tell the format of "users.txt"`},
		{"-", "", "use --format"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := FormatFromPath(tt.path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "--format") {
					t.Fatalf("error %v, want one containing %q and --format", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
