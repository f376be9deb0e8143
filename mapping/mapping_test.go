package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMappingRows(t *testing.T) {
	tests := []struct {
		name    string
		mapping string
		format  Format
		input   string
		want    string // JSON of the request, or the row's errors
	}{
		{"rename", "columns: {login: username, display: name}", FormatCSV,
			"login,display\nbob,Bob\n", `{"username":"bob","name":"Bob"}`},
		{"rename to an attribute", "columns: {login: username, dept: attributes.org.department}", FormatCSV,
			"login,name,dept\nbob,Bob,R\n", `{"username":"bob","name":"Bob","attributes":{"org":{"department":"R"}}}`},
		{"ignore", "ignore: [id, notes]", FormatCSV,
			"username,name,id,notes\nbob,Bob,7,hello\n", `{"username":"bob","name":"Bob"}`},
		{"defaults fill empty cells", "defaults: {path: users/imported, type: external, is_active: false, attributes.source: legacy}", FormatCSV,
			"username,name,path\nbob,Bob,\nann,Ann,users/x\n", `{"username":"bob","name":"Bob","is_active":false,"attributes":{"source":"legacy"},"path":"users/imported","type":"external"}`},
		{"defaults do not override", "defaults: {path: users/imported}", FormatCSV,
			"username,name,path\nann,Ann,users/x\n", `{"username":"ann","name":"Ann","path":"users/x"}`},
		{"defaults for an absent column", "defaults: {name: Unknown}", FormatCSV,
			"username\nbob\n", `{"username":"bob","name":"Unknown"}`},
		{"transforms in order", "columns: {mail: email}\ntransforms: {mail: [trim, lower], username: [upper]}", FormatCSV,
			"username,name,mail\nbob,Bob,\" Bob@Example.COM \"\n", `{"username":"BOB","name":"Bob","email":"bob@example.com"}`},
		{"trim to empty is not sent", "transforms: {email: [trim]}", FormatCSV,
			"username,name,email\nbob,Bob,\"  \"\n", `{"username":"bob","name":"Bob"}`},
		{"template", "templates: {name: '{{first}} {{ last }}'}", FormatCSV,
			"username,first,last\nbob,Bob,Ross\n", `{"username":"bob","name":"Bob Ross"}`},
		{"template with one empty column", "templates: {name: '{{first}} {{last}}'}", FormatCSV,
			"username,first,last\nbob,,Ross\n", `{"username":"bob","name":"Ross"}`},
		{"template with every column empty", "templates: {name: '{{first}} {{last}}'}", FormatCSV,
			"username,first,last\nbob,,\n", `name: This field is required.`},
		{"template reads transformed values", "templates: {username: '{{first}}.{{last}}'}\ntransforms: {first: [lower], last: [lower]}", FormatCSV,
			"name,first,last\nBob,Bob,Ross\n", `{"username":"bob.ross","name":"Bob"}`},
		{"template then default", "templates: {name: '{{first}}'}\ndefaults: {name: Anonymous}", FormatCSV,
			"username,first\nbob,\n", `{"username":"bob","name":"Anonymous"}`},
		{"jsonl rename and transform", "columns: {login: username}\ntransforms: {login: [lower]}", FormatJSONL,
			`{"login":"BOB","name":"Bob"}` + "\n", `{"username":"bob","name":"Bob"}`},
		{"jsonl missing mapped key is empty", "columns: {login: username, mail: email}", FormatJSONL,
			`{"login":"bob","name":"Bob"}` + "\n", `{"username":"bob","name":"Bob"}`},
		{"jsonl template", "templates: {name: '{{first}} {{last}}'}", FormatJSONL,
			`{"username":"bob","first":"Bob","last":"Ross"}` + "\n", `{"username":"bob","name":"Bob Ross"}`},
		{"jsonl two keys give one field", "columns: {login: username}", FormatJSONL,
			`{"login":"bob","username":"bob","name":"Bob"}` + "\n", `row: "login" and "username" both give username`},
		{"jsonl ignored key", "ignore: [id]", FormatJSONL,
			`{"username":"bob","name":"Bob","id":7}` + "\n", `{"username":"bob","name":"Bob"}`},
		{"jsonl default over an empty string", "defaults: {email: nobody@example.com}", FormatJSONL,
			`{"username":"bob","name":"Bob","email":""}` + "\n", `{"username":"bob","name":"Bob","email":"nobody@example.com"}`},
		{"default groups list", "defaults: {groups: [staff, sales]}", FormatJSONL,
			`{"username":"bob","name":"Bob"}` + "\n", `{"username":"bob","name":"Bob"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustMapping(t, tt.mapping)
			rows := readAll(t, tt.format, tt.input, m)
			if len(rows) == 0 {
				t.Fatal("no rows")
			}
			row := rows[0]
			var got string
			if row.Valid() {
				got = mustJSON(t, row.Request)
			} else {
				got = row.Errors.String()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMappingDefaultGroups(t *testing.T) {
	m := mustMapping(t, "defaults: {groups: [staff, sales]}")
	row := readOne(t, FormatCSV, "username,name\nbob,Bob\n", m)
	if got := strings.Join(row.GroupNames, ","); got != "staff,sales" {
		t.Errorf("group names = %q", got)
	}
}

func TestMappingErrors(t *testing.T) {
	tests := []struct {
		name    string
		mapping string
		want    string
	}{
		{"unknown keys", "colums: {a: username}\nextra: 1\ndefaults: {}", `unknown key(s) "colums", "extra"; a mapping file has only columns, ignore, defaults, transforms, templates`},
		{"target not a field", "columns: {login: user}", `columns: "login" maps to "user", which is not a field`},
		{"attributes without a key", "columns: {x: attributes.}", `which is not a field`},
		{"two columns to one field", "columns: {a: username, b: username}", `columns: both column "a" and column "b" map to username`},
		{"ignored and mapped", "columns: {a: username}\nignore: [a]", `ignore: column "a" is also mapped`},
		{"unknown transform", "transforms: {a: [trim, reverse]}", `transforms: column "a": unknown transform "reverse"; known: date, default, join, lower, map, replace, split, trim, upper`},
		{"default not a field", "defaults: {department: x}", `defaults: "department" is not a field`},
		{"default null", "defaults: {path: null}", `defaults: path: no value`},
		{"default list for a text field", "defaults: {path: [a]}", `a list is only allowed for groups`},
		{"template not a field", "templates: {fullname: '{{a}}'}", `templates: "fullname" is not a field`},
		{"template unclosed", "templates: {name: '{{first'}", `{{ without a closing }}`},
		{"template empty placeholder", "templates: {name: '{{ }}'}", `an empty {{}}`},
		{"template without columns", "templates: {name: 'Bob'}", `names no {{column}}; use defaults for a constant`},
		{"template and column to one field", "columns: {a: name}\ntemplates: {name: '{{b}}'}", `templates: name is already given by column "a"`},
		{"columns not a map", "columns: [a, b]", `cannot unmarshal`},
		{"not YAML", "columns: {", `not valid YAML`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.mapping))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("%v does not wrap ErrInput", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n %v\nwant it to contain\n %v", err, tt.want)
			}
		})
	}
}

func TestLoadMapping(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		file    string
		content string
		err     string
	}{
		{"yaml", "m.yaml", "columns: {login: username}\ndefaults: {is_active: true}\n", ""},
		{"yml", "m.yml", "ignore: [x]\n", ""},
		{"json", "m.json", `{"columns": {"login": "username"}, "defaults": {"is_active": true, "attributes": {"a": 1}}}`, ""},
		{"empty yaml", "empty.yaml", "", ""},
		{"json unknown key", "bad.json", `{"column": {}}`, `unknown key(s) "column"`},
		{"json broken", "broken.json", `{`, `not valid JSON`},
		{"unknown extension", "m.toml", "", `use .yaml, .yml or .json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(tt.file, tt.content)
			m, err := LoadMapping(path)
			if tt.err == "" {
				if err != nil || m == nil {
					t.Fatalf("LoadMapping: %v", err)
				}
				return
			}
			// the caller names the file: the message must not, or it reads twice
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), tt.file) {
				t.Fatalf("error %v, want one containing %q and not naming the file", err, tt.err)
			}
		})
	}
	if _, err := LoadMapping(filepath.Join(dir, "missing.yaml")); err == nil || errors.Is(err, ErrInput) {
		t.Errorf("a missing file: %v, want a plain I/O error", err)
	}
}

func TestMappingJSONDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	if err := os.WriteFile(path, []byte(`{"defaults": {"is_active": false, "attributes": {"a": {"b": 1}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	row := readOne(t, FormatCSV, "username,name\nbob,Bob\n", m)
	if got := mustJSON(t, row.Request); got != `{"username":"bob","name":"Bob","is_active":false,"attributes":{"a":{"b":1}}}` {
		t.Errorf("request = %s", got)
	}
}
