package mapping

import (
	"strings"
	"testing"
)

// ErrorText shows the value after authentik's message; Errors keeps the message alone.
func TestErrorTextShowsValues(t *testing.T) {
	long := strings.Repeat("é", 45)
	tests := []struct {
		name, input, errors, text string
	}{
		{"boolean", "username,name,is_active\nbob,Bob,maybe\n",
			"is_active: Must be a valid boolean.", `is_active: Must be a valid boolean. (got "maybe")`},
		{"several fields", "username,name,email,path\nbob,Bob,bob@,/x/\n",
			"email: Enter a valid email address.; path: No leading or trailing slashes allowed.",
			`email: Enter a valid email address. (got "bob@"); path: No leading or trailing slashes allowed. (got "/x/")`},
		{"shortened", "username,name,last_login\nbob,Bob," + long + "\n",
			"last_login: " + msgDateTimeInvalid, "last_login: " + msgDateTimeInvalid + ` (got "` + strings.Repeat("é", 40) + `…")`},
		{"blank shows the spaces", "username,name\n\"  \",Bob\n",
			"username: This field may not be blank.", `username: This field may not be blank. (got "  ")`},
		{"absent shows nothing", "name\nBob\n", "username: This field is required.", "username: This field is required."},
		{"a value already in the message is not repeated", "username,name,type\nbob,Bob,admin\n",
			`type: "admin" is not a valid choice.`, `type: "admin" is not a valid choice.`},
		{"password hash never shown", "username,name,password_hash\nbob,Bob,md5$secret$x\n",
			"", "password_hash: "},
		{"JSON value", "username,name,attributes\nbob,Bob,[1]\n",
			"attributes: " + msgAttributesInvalid, "attributes: " + msgAttributesInvalid + ` (got "[1]")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, FormatCSV, tt.input, nil)
			if tt.errors != "" && row.Errors.String() != tt.errors {
				t.Errorf("Errors:\n got %s\nwant %s", row.Errors, tt.errors)
			}
			if got := row.ErrorText(); !strings.HasPrefix(got, tt.text) || tt.errors != "" && got != tt.text {
				t.Errorf("ErrorText:\n got %s\nwant %s", got, tt.text)
			}
			if strings.Contains(row.ErrorText(), "secret") {
				t.Errorf("a secret is shown: %s", row.ErrorText())
			}
		})
	}
	jsonl := readOne(t, FormatJSONL, `{"username":"bob","name":"Bob","is_active":null,"password":{"x":1}}`+"\n", nil)
	if got, want := jsonl.ErrorText(), `is_active: This field may not be null.; password: Not a valid string.`; got != want {
		t.Errorf("JSONL:\n got %s\nwant %s", got, want)
	}
}

// A request larger than Django accepts is refused before it is sent.
func TestRequestSizeLimit(t *testing.T) {
	fits := strings.Repeat("x", maxRequestBytes-200)
	tooBig := strings.Repeat("x", maxRequestBytes)
	escaped := strings.Repeat("<", maxRequestBytes/6+100) // 6 bytes each in JSON (\u003c)
	rows := readAll(t, FormatCSV, "username,name,attributes.blob\na,A,"+fits+"\nb,B,"+tooBig+"\nc,C,"+escaped+"\n", nil)
	checkErrors(t, rows[0], nil)
	for _, r := range rows[1:] {
		if r.Errors.String() != "row: "+msgTooLarge || !strings.Contains(r.ErrorText(), " bytes)") {
			t.Errorf("line %d: %s", r.Line, r.ErrorText())
		}
	}
}

// Rows whose username cannot be read reliably are invalid and say why, so that a sync does
// not deactivate the user they stand for.
func TestIdentityUnsure(t *testing.T) {
	var many strings.Builder
	many.WriteString("username,name,email\ns01,\"Staff 1,s01@example.com\n")
	for i := 2; i <= 100; i++ {
		many.WriteString("s" + itoa(i) + ",Staff " + itoa(i) + ",s" + itoa(i) + "@example.com\n")
	}
	many.WriteString("s101,Staff 101\",s101@example.com\ns102,Staff 102,s102@example.com\n")
	tests := []struct {
		name, input string
		format      Format
		want        []string // line-endline username: unsure
	}{
		{"bare quote", "username,name,email\ns06,Staff 6,\ns07,Staff \"7\" O\"Brien,\ns08,Staff 8,\n", FormatCSV,
			[]string{"2-2 s06: ", "3-3 : malformed CSV row", "4-4 s08: "}},
		{"wrong number of fields", "username,name\ns07,Staff, 7\n", FormatCSV, []string{"2-2 s07: malformed CSV row"}},
		{"empty username", "username,name\n,Nobody\n \t,Blank\n", FormatCSV, []string{"2-2 : empty username", "3-3 : empty username"}},
		{"no username column", "name\nBob\n", FormatCSV, []string{"2-2 : empty username"}},
		{"line break in the username", "username,name\n\"a\nb\",AB\n", FormatCSV, []string{"2-3 a\nb: lines 2–3 joined into one record"}},
		{"a stray quote swallows 100 lines", many.String(), FormatCSV, []string{"2-102 s01: lines 2–102 joined into one record", "103-103 s102: "}},
		{"trailing comma", `{"username":"a","name":"A"},` + "\n" + `{"username":"b","name":"B"}` + "\n", FormatJSONL,
			[]string{"1-1 : not a JSON object", "2-2 b: "}},
		{"JSON username with a line break", `{"username":"a\nb","name":"A"}` + "\n", FormatJSONL, []string{"1-1 a\nb: line break in the username"}},
		{"JSON email with a line break", `{"username":"a","name":"A","email":"a@x.org\nb@y.org"}` + "\n", FormatJSONL, []string{"1-1 a: line break in the email"}},
		{"JSON null username", `{"username":null,"name":"A"}` + "\n", FormatJSONL, []string{"1-1 : empty username"}},
		{"tab inside", "username,name\n\"a\tb\",A\n", FormatCSV, []string{"2-2 a\tb: invisible character in the username"}},
		{"no-break space inside", `{"username":"a\u00a0b","name":"A"}` + "\n", FormatJSONL, []string{"1-1 a\u00a0b: odd space in the username"}},
		{"decomposed form", "username,name\njo\u0308rg,J\n", FormatCSV, []string{"2-2 jo\u0308rg: username not in NFC"}},
		{"given twice in other case", `{"Username":"a","username":"b","name":"A"}` + "\n", FormatJSONL, []string{"1-1 a: the username given twice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range readAll(t, tt.format, tt.input, nil) {
				got = append(got, itoa(r.Line)+"-"+itoa(r.EndLine)+" "+r.Username+": "+r.IdentityUnsure)
				if r.IdentityUnsure != "" && r.Valid() {
					t.Errorf("line %d: unsure (%s) but valid", r.Line, r.IdentityUnsure)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	r := readAll(t, FormatCSV, many.String(), nil)[0]
	if want := "lines 2–102 were read as one record, column name holding the line breaks: a quote is probably unbalanced"; !strings.Contains(r.ErrorText(), want) {
		t.Errorf("stray quote: %s", r.ErrorText())
	}
}
