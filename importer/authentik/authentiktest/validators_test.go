package authentiktest

import (
	"encoding/json"
	"testing"
)

// F-U5: Django's EmailValidator.
func TestValidEmail(t *testing.T) {
	tests := []struct {
		email string
		want  bool
	}{
		{"a@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{`"quoted@name"@example.com`, true},
		{`"quoted name"@example.com`, false}, // Django excludes a bare space
		{"root@localhost", true},
		{"a@[::1]", true},
		{"a@[192.168.0.1]", true},
		{"a@bücher.de", true},
		{"ÜSER@example.com", false},
		{"a@example", false},
		{"a@-example.com", false},
		{"a@example-.com", false},
		{"a@example.c", false},
		{"a@example.c-", false},
		{"a@example..com", false},
		{"a..b@example.com", false},
		{".a@example.com", false},
		{"a b@example.com", false},
		{"a@[300.1.1.1]", false},
		{"a@", false},
		{"@example.com", false},
		{"", false},
		{"a@example.com\n", false},
	}
	for _, tt := range tests {
		if got := validEmail(tt.email); got != tt.want {
			t.Errorf("validEmail(%q) = %v, want %v", tt.email, got, tt.want)
		}
	}
}

func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{"bücher": "bcher-kva", "münchen": "mnchen-3ya", "例え": "r8jz45g"} {
		if got := punycode(in); got != want {
			t.Errorf("punycode(%q) = %q, want %q", in, got, want)
		}
	}
}

// F-U7: Django's parse_datetime, rendered as DRF does.
func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05-0130", "2024-01-02T04:34:05Z"},
		{"2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456Z"},
		{"2024-01-02T03:04:05,5", "2024-01-02T03:04:05.500000Z"},
		{"2024-01-02T03", "2024-01-02T03:00:00Z"},
		{"20240102T030405", "2024-01-02T03:04:05Z"},
		{"2024-01-02", "2024-01-02T00:00:00Z"},
		{"2024-1-2T3:4", "2024-01-02T03:04:00Z"},
		{"2024-01-02 03:04:05 +02", "2024-01-02T01:04:05Z"},
		{"2024-02-29T00:00", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00", ""},
		{"2024-01-02T24:00", ""},
		{"2024-01-02T03:60", ""},
		{"2024-01", ""},
		{"2024-01-02T", ""},
		{"02.01.2024", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := parseDateTime(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("parseDateTime(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// Messages interpolate values as Python's str() would.
func TestPyStr(t *testing.T) {
	tests := []struct {
		json string
		want string
	}{
		{`"x"`, "x"},
		{`5`, "5"},
		{`-0`, "0"},
		{`1.5`, "1.5"},
		{`1e3`, "1000.0"},
		{`1e16`, "1e+16"},
		{`0.00001`, "1e-05"},
		{`true`, "True"},
		{`null`, "None"},
		{`["a", 1, {"k": "it's"}]`, `['a', 1, {'k': "it's"}]`},
	}
	for _, tt := range tests {
		dec := json.NewDecoder(stringsReader(tt.json))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if got := pyStr(v); got != tt.want {
			t.Errorf("pyStr(%s) = %q, want %q", tt.json, got, tt.want)
		}
	}
}
