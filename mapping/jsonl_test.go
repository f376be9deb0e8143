package mapping

import (
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func TestJSONLFieldValidation(t *testing.T) {
	tests := []struct {
		name string
		line string
		want authentik.FieldErrors
	}{
		{"minimal valid", `{"username":"bob","name":"Bob"}`, nil},
		{"name may be blank", `{"username":"bob","name":""}`, nil},
		{"username absent", `{"name":"Bob"}`, authentik.FieldErrors{"username": {msgRequired}}},
		{"username blank", `{"username":"","name":"Bob"}`, authentik.FieldErrors{"username": {msgBlank}}},
		{"username null", `{"username":null,"name":"Bob"}`, authentik.FieldErrors{"username": {msgNull}}},
		{"username a number", `{"username":42,"name":"Bob"}`, nil},
		{"name a float", `{"username":"bob","name":1.5}`, nil},
		{"username a bool", `{"username":true,"name":"Bob"}`, authentik.FieldErrors{"username": {msgNotString}}},
		{"username too long", `{"username":"` + repeat("x", 151) + `","name":"Bob"}`, authentik.FieldErrors{"username": {msgUsernameTooLong}}},
		{"name absent", `{"username":"bob"}`, authentik.FieldErrors{"name": {msgRequired}}},
		{"name an object", `{"username":"bob","name":{}}`, authentik.FieldErrors{"name": {msgNotString}}},
		{"email blank allowed", `{"username":"bob","name":"Bob","email":""}`, nil},
		{"email invalid", `{"username":"bob","name":"Bob","email":"x"}`, authentik.FieldErrors{"email": {msgEmailInvalid}}},
		{"email null", `{"username":"bob","name":"Bob","email":null}`, authentik.FieldErrors{"email": {msgNull}}},
		{"is_active bool", `{"username":"bob","name":"Bob","is_active":false}`, nil},
		{"is_active string", `{"username":"bob","name":"Bob","is_active":"yes"}`, nil},
		{"is_active number", `{"username":"bob","name":"Bob","is_active":1}`, nil},
		{"is_active invalid", `{"username":"bob","name":"Bob","is_active":"maybe"}`, authentik.FieldErrors{"is_active": {msgBoolInvalid}}},
		{"is_active a list", `{"username":"bob","name":"Bob","is_active":[]}`, authentik.FieldErrors{"is_active": {msgBoolInvalid}}},
		{"path blank", `{"username":"bob","name":"Bob","path":""}`, authentik.FieldErrors{"path": {msgBlank}}},
		{"path slashes", `{"username":"bob","name":"Bob","path":"a/"}`, authentik.FieldErrors{"path": {msgPathSlashes}}},
		{"type blank", `{"username":"bob","name":"Bob","type":""}`, authentik.FieldErrors{"type": {`"" is not a valid choice.`}}},
		{"type a bool", `{"username":"bob","name":"Bob","type":true}`, authentik.FieldErrors{"type": {`"True" is not a valid choice.`}}},
		{"groups a list", `{"username":"bob","name":"Bob","groups":["staff","0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f"]}`, nil},
		{"groups a string", `{"username":"bob","name":"Bob","groups":"staff"}`, authentik.FieldErrors{"groups": {`Expected a list of items but got type "str".`}}},
		{"groups a number", `{"username":"bob","name":"Bob","groups":1}`, authentik.FieldErrors{"groups": {`Expected a list of items but got type "int".`}}},
		{"groups an object", `{"username":"bob","name":"Bob","groups":{}}`, authentik.FieldErrors{"groups": {`Expected a list of items but got type "dict".`}}},
		{"groups entry a number", `{"username":"bob","name":"Bob","groups":[7]}`, authentik.FieldErrors{"groups": {"“7” is not a valid UUID."}}},
		{"attributes object", `{"username":"bob","name":"Bob","attributes":{"a":[1,{"b":null}]}}`, nil},
		{"attributes a string", `{"username":"bob","name":"Bob","attributes":"{}"}`, authentik.FieldErrors{"attributes": {msgAttributesInvalid}}},
		{"attributes a list", `{"username":"bob","name":"Bob","attributes":[]}`, authentik.FieldErrors{"attributes": {msgAttributesInvalid}}},
		{"attributes dotted key", `{"username":"bob","name":"Bob","attributes":{"a":1},"attributes.b.c":true}`, nil},
		{"last_login null", `{"username":"bob","name":"Bob","last_login":null}`, nil},
		{"last_login a number", `{"username":"bob","name":"Bob","last_login":1700000000}`, authentik.FieldErrors{"last_login": {msgDateTimeInvalid}}},
		{"password a number", `{"username":"bob","name":"Bob","password":1}`, authentik.FieldErrors{"password": {msgNotString}}},
		{"unknown key", `{"username":"bob","name":"Bob","emial":"x"}`, authentik.FieldErrors{rowKey: {`unknown key "emial": a key must be one of ` + acceptedFields() + `, or be named in the mapping file`}}},
		{"escaped NUL", `{"username":"bob","name":"B\u0000b"}`, authentik.FieldErrors{rowKey: {`a NUL character (\u0000) on this line`}}},
		{"escaped backslash then u0000 is fine", `{"username":"bob","name":"B\\u0000b"}`, nil},
		{"escaped backslash then escaped NUL", `{"username":"bob","name":"B\\\u0000b"}`, authentik.FieldErrors{rowKey: {`a NUL character (\u0000) on this line`}}},
		{"a key twice", `{"username":"bob","name":"Bob","name":"Bo"}`, authentik.FieldErrors{rowKey: {`key "name" is given twice on this line: give it once`}}},
		{"a key twice, once escaped", `{"username":"bob","name":"Bob","n\u0061me":"Bo"}`, authentik.FieldErrors{rowKey: {`key "name" is given twice on this line: give it once`}}},
		{"nested keys like top-level ones", `{"username":"bob","name":"Bob","attributes":{"a":{"username":1,"name":[":"]},"username":"x"}}`, nil},
		{"an empty key", `{"username":"bob","name":"Bob","":1}`, authentik.FieldErrors{rowKey: {`unknown key "": a key must be one of ` + acceptedFields() + `, or be named in the mapping file`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, FormatJSONL, tt.line+"\n", nil)
			checkErrors(t, row, tt.want)
		})
	}
}

func TestJSONLQuirks(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []lineAndErrors
	}{
		{"blank lines skipped, numbers kept", "\n{\"username\":\"a\",\"name\":\"A\"}\n  \n\r\n{\"username\":\"b\",\"name\":\"B\"}",
			[]lineAndErrors{{2, "a", ""}, {5, "b", ""}}},
		{"BOM and CRLF", "\uFEFF{\"username\":\"a\",\"name\":\"A\"}\r\n", []lineAndErrors{{1, "a", ""}}},
		{"array", "[1,2]\n", []lineAndErrors{{1, "", "row: not a JSON object: got an array"}}},
		{"number", "42\n", []lineAndErrors{{1, "", "row: not a JSON object: got a number"}}},
		{"string", "\"bob\"\n", []lineAndErrors{{1, "", "row: not a JSON object: got a string"}}},
		{"null", "null\n", []lineAndErrors{{1, "", "row: not a JSON object: got null"}}},
		{"broken JSON", "{\"username\":\n{\"username\":\"b\",\"name\":\"B\"}\n",
			[]lineAndErrors{{1, "", "row: invalid JSON: unexpected end of JSON input"}, {2, "b", ""}}},
		{"garbage", "hello\n", []lineAndErrors{{1, "", "row: invalid JSON: invalid character 'h' looking for beginning of value"}}},
		{"two objects on a line", "{} {}\n", []lineAndErrors{{1, "", "row: invalid JSON: invalid character '{' after top-level value"}}},
		{"invalid UTF-8", "{\"username\":\"zoe\",\"name\":\"Zoë\"}\n{\"username\":\"b\xffb\",\"name\":\"B\"}\n",
			[]lineAndErrors{{1, "zoe", ""}, {2, "", "row: invalid UTF-8 on this line" + encodingHint}}},
		{"trailing comma", "{\"username\":\"a\",\"name\":\"A\"},\n", []lineAndErrors{{1, "", "row: invalid JSON: invalid character ',' after top-level value"}}},
		{"keys folded", "{\"Username\":\"a\",\" NAME \":\"A\"}\n", []lineAndErrors{{1, "a", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(readAll(t, FormatJSONL, tt.input, nil))
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

func TestJSONLLongLines(t *testing.T) {
	t.Run("1 MiB line", func(t *testing.T) {
		big := strings.Repeat("x", 1<<20)
		rows := readAll(t, FormatJSONL, `{"username":"a","name":"`+big+`"}`+"\n"+`{"username":"b","name":"B"}`+"\n", nil)
		if len(rows) != 2 || !rows[0].Valid() || len(*rows[0].Request.Name) != 1<<20 || rows[1].Line != 2 {
			t.Fatalf("rows = %d, first valid %v", len(rows), rows[0].Valid())
		}
	})
	t.Run("too long", func(t *testing.T) {
		big := strings.Repeat("x", maxJSONLine)
		rows := readAll(t, FormatJSONL, `{"name":"`+big+`"}`+"\n"+`{"username":"b","name":"B"}`+"\n", nil)
		got := summarize(rows)
		want := []lineAndErrors{{1, "", "row: line too long: more than 16 MiB"}, {2, "b", ""}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

// "groups": [] is a set given empty (it clears a user's groups on update); an absent key is
// no set at all.
func TestJSONLEmptyGroupsIsGiven(t *testing.T) {
	tests := []struct {
		line    string
		wantNil bool
	}{
		{`{"username":"a","name":"A","groups":[]}`, false},
		{`{"username":"a","name":"A"}`, true},
	}
	for _, tt := range tests {
		row := readOne(t, FormatJSONL, tt.line+"\n", nil)
		if !row.Valid() || (row.Request.Groups == nil) != tt.wantNil || len(row.Request.Groups) != 0 {
			t.Errorf("%s: groups %#v, want nil=%v and empty", tt.line, row.Request.Groups, tt.wantNil)
		}
	}
}
