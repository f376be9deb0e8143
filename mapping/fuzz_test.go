package mapping

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// readChecked reads every row and checks the invariants every input must keep: no error but
// io.EOF (the input is in memory), line numbers strictly increasing and inside the input, a
// row valid exactly when it has a request.
func readChecked(t *testing.T, data []byte, format Format, m *Mapping) []Row {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), Options{Format: format, Mapping: m})
	if err != nil {
		if !errors.Is(err, ErrInput) {
			t.Fatalf("NewReader: %v does not wrap ErrInput", err)
		}
		return nil
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	var rows []Row
	prev := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v (an in-memory input cannot fail to read)", err)
		}
		if row.Line <= prev || row.Line > lines {
			t.Fatalf("row on line %d after line %d; the input has %d lines", row.Line, prev, lines)
		}
		prev = row.Line
		if row.Valid() != (row.Request != nil) {
			t.Fatalf("line %d: valid %v but request %v", row.Line, row.Valid(), row.Request)
		}
		if !utf8.ValidString(row.Username) {
			t.Fatalf("line %d: username %q is not valid UTF-8", row.Line, row.Username)
		}
		if row.Valid() {
			checkValidRequest(t, row)
		}
		rows = append(rows, row)
	}
}

// checkValidRequest checks what a valid row promises.
func checkValidRequest(t *testing.T, row Row) {
	t.Helper()
	req := row.Request
	if req.Name == nil {
		t.Fatalf("line %d: valid row without a name", row.Line)
	}
	if trimmed := trimSpace(req.Username); trimmed == "" || utf8.RuneCountInString(trimmed) > 150 {
		t.Fatalf("line %d: valid row with username %q", row.Line, req.Username)
	}
	for _, g := range req.Groups {
		if !IsUUID(g) {
			t.Fatalf("line %d: group %q is not a UUID", row.Line, g)
		}
	}
	if _, err := json.Marshal(req); err != nil {
		t.Fatalf("line %d: the request cannot be sent: %v", row.Line, err)
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"username,name\nbob,Bob\n",
		"\uFEFFusername,name,email\r\nbob,Bob,bob@example.com\r\n",
		"username,name\n\"a\nb\",\"c\"\"d\"\n",
		"username,name,groups,attributes,attributes.a.b\nbob,Bob,staff;0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f,\"{\"\"a\"\":{}}\",x\n",
		"username,name\nbob\n\"\n",
		"username,name\nb\"ob,Bob\n",
		"username,name,is_active,last_login,type,path\nbob,Bob,maybe,2024-02-30T00:00,admin,/x/\n",
		"username,name\n\xff,\x00\n",
		"",
		"a,a\n",
	} {
		f.Add([]byte(seed))
	}
	m := fuzzMapping(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := readChecked(t, data, FormatCSV, nil)
		if len(rows) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows from %d lines", len(rows), bytes.Count(data, []byte("\n"))+1)
		}
		readChecked(t, data, FormatCSV, m)
	})
}

func FuzzJSONLReader(f *testing.F) {
	for _, seed := range []string{
		`{"username":"bob","name":"Bob"}` + "\n",
		"\n\n" + `{"username":"bob","name":""}` + "\r\n  \n[1]\n42\n\"x\"\n{\n",
		`{"username":1,"name":null,"groups":"x","attributes":[],"is_active":"yes","attributes.a.b":{"c":1}}`,
		`{"username":"a\u0000","name":"B","groups":["staff",1,null]}`,
		"\uFEFF{}\n\xff\n",
		`{"login":"A","first":"x","last":"y","mail":" M@X.COM "}`,
	} {
		f.Add([]byte(seed))
	}
	m := fuzzMapping(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if notReadable(data, FormatJSONL) {
			return
		}
		rows := readChecked(t, data, FormatJSONL, nil)
		if want := nonBlankLines(data); len(rows) != want {
			t.Fatalf("%d rows from %d non-blank lines", len(rows), want)
		}
		readChecked(t, data, FormatJSONL, m)
	})
}

// FuzzMapping feeds arbitrary cells to the mapper, through CSV and through JSON Lines, with
// and without a mapping: each record gives exactly one row.
func FuzzMapping(f *testing.F) {
	f.Add("bob", "Bob", "bob@example.com", "true", "users/x", "internal", "staff;0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", `{"a":1}`, "2024-01-02T03:04Z", "x")
	f.Add("", "", "", "", "", "", "", "", "", "")
	f.Add(" ", "\x00", "a@[::1]", "maybe", "/", "internal_service_account", ";;", "{", "2024-13-01", "\xff")
	m := fuzzMapping(f)
	f.Fuzz(func(t *testing.T, username, name, email, isActive, path, typ, groups, attributes, lastLogin, extra string) {
		cells := []string{username, name, email, isActive, path, typ, groups, attributes, lastLogin, extra}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"username", "name", "email", "is_active", "path", "type", "groups", "attributes", "last_login", "attributes.extra.x"})
		_ = w.Write(cells)
		w.Flush()
		want := 1
		if strings.Join(cells, "") == "" {
			want = 0 // a record of empty cells is skipped like a blank line
		}
		if rows := readChecked(t, b.Bytes(), FormatCSV, nil); len(rows) != want && !notReadable(b.Bytes(), FormatCSV) {
			t.Fatalf("CSV: got %d rows, want %d\n%q", len(rows), want, b.String())
		}

		obj := map[string]any{"username": username, "name": name, "email": email, "is_active": isActive,
			"path": path, "type": typ, "groups": []string{groups, extra}, "last_login": lastLogin, "attributes.extra.x": extra}
		var attrs any
		if json.Unmarshal([]byte(attributes), &attrs) == nil {
			obj["attributes"] = attrs
		}
		line, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if rows := readChecked(t, append(line, '\n'), FormatJSONL, nil); len(rows) != 1 {
			t.Fatalf("JSONL: got %d rows, want 1\n%s", len(rows), line)
		}

		b.Reset()
		w = csv.NewWriter(&b)
		_ = w.Write([]string{"login", "mail", "first", "last", "id"})
		_ = w.Write([]string{username, email, name, extra, isActive})
		w.Flush()
		if rows := readChecked(t, b.Bytes(), FormatCSV, m); len(rows) > 1 {
			t.Fatalf("mapped CSV: got %d rows", len(rows))
		}
	})
}

// fuzzMapping exercises renames, transforms, templates, defaults and ignore.
func fuzzMapping(f *testing.F) *Mapping {
	m, err := ParseMapping([]byte(`
columns: {login: username, mail: email}
ignore: [id]
transforms: {login: [trim, lower], mail: [trim, lower], first: [upper]}
templates: {name: "{{first}} {{last}}"}
defaults: {path: users/fuzz, attributes.source: fuzz}
`))
	if err != nil {
		f.Fatal(err)
	}
	return m
}

// nonBlankLines counts the lines with more than white space, read as the reader reads them:
// UTF-16 after its byte order mark.
func nonBlankLines(data []byte) int {
	utf16 := bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF})
	if utf16 {
		data, _ = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(data)
	}
	n := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if i == 0 && !utf16 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			n++
		}
	}
	return n
}

// notReadable reports an input refused as a whole (not text, not UTF-8).
func notReadable(data []byte, format Format) bool {
	_, err := NewReader(bytes.NewReader(data), Options{Format: format})
	return errors.Is(err, ErrInput)
}

func trimSpace(s string) string { return strings.TrimSpace(s) }
