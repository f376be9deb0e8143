package mapping

import (
	"strings"
	"testing"
)

// F-U3a: username, name, email and path are stripped as Python's str.strip() does.
func TestStripIsPythonStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"alice ", "alice"},
		{" bob", "bob"},
		{"\t carol \r\n", "carol"},
		{"\u00a0dave\u3000", "dave"},             // no-break space, ideographic space
		{"\x1c\x1d\x1e\x1feve\x1f", "eve"},       // Python's separators count as white space
		{"\u2028frank\u2029\u0085", "frank"},     // line and paragraph separators, NEL
		{"in ner", "in ner"},                     // inside stays
		{"\u200bzero-width", "\u200bzero-width"}, // not white space for Python either
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := Strip(tt.in); got != tt.want {
			t.Errorf("Strip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalisedFieldsWarn(t *testing.T) {
	tests := []struct {
		name, header, row string
		wantUser          string
		wantWarn          []string
	}{
		{"clean", "username,name,email,path", "alice,Alice,a@example.com,users/staff", "alice", nil},
		{"padded username", "username,name", "alice ,Alice", "alice", []string{"username"}},
		{"every field padded", "username,name,email,path", "\" bob\",\" Bob \",\" b@example.com\",\"users/staff \"", "bob",
			[]string{"username", "name", "email", "path"}},
		{"blank after strip is blank", "username,name", "\"\u3000\",X", "", []string{"username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := readOne(t, FormatCSV, tt.header+"\n"+tt.row+"\n", nil)
			if row.Username != tt.wantUser {
				t.Errorf("username %q, want %q", row.Username, tt.wantUser)
			}
			if row.Valid() {
				if r := row.Request; r.Username != tt.wantUser || (r.Name != nil && Strip(*r.Name) != *r.Name) ||
					(r.Email != nil && Strip(*r.Email) != *r.Email) || (r.Path != nil && Strip(*r.Path) != *r.Path) {
					t.Errorf("request not normalised: %+v", r)
				}
			}
			if len(row.Warnings) != len(tt.wantWarn) {
				t.Fatalf("warnings %q, want one for each of %v", row.Warnings, tt.wantWarn)
			}
			for i, f := range tt.wantWarn {
				if !strings.HasPrefix(row.Warnings[i], f+": white space") {
					t.Errorf("warning %d = %q, want it about %s", i, row.Warnings[i], f)
				}
			}
		})
	}
}

// "alice" and "alice " in one file are the same user for authentik: the second is a duplicate.
func TestPaddedUsernameIsADuplicate(t *testing.T) {
	r, err := NewReader(strings.NewReader("username,name\nalice,A\n\"alice \",B\n"), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := NewSeen()
	var rows []Row
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		if err := seen.Check(&row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	if len(rows) != 2 || !rows[0].Valid() || rows[1].Valid() ||
		!strings.Contains(rows[1].Errors.String(), "Duplicate username: same as line 2.") {
		t.Fatalf("rows %+v: want the padded alice refused as a duplicate of line 2", rows)
	}
}
