// Package mapping reads users from CSV, JSON Lines or an Excel sheet, keeping each row's line
// numbers, maps columns to the create request, and validates every field the way authentik
// does, with authentik's own messages, so bad rows are found before anything is sent.
package mapping

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

// Row is one input row, mapped and validated. When Errors is non-empty the row is invalid and
// must not be sent; Request is then nil.
type Row struct {
	// Line and EndLine are the first and last lines of the file the row was read from
	// (1-based; the CSV header is line 1; a sheet's row numbers for .xlsx).
	Line, EndLine int
	// Username is the row's username as authentik would store it (possibly empty).
	Username string
	// IdentityUnsure is empty when Username was read reliably, else why not ("malformed CSV
	// row", "empty username", …): such a row may stand for a user the file meant to list.
	IdentityUnsure string
	// Request is the create body; nil when the row is invalid.
	Request *authentik.UserRequest
	// GroupNames are entries of the groups cell that are not UUIDs: names to resolve (F-L4).
	// Request.Groups holds only the UUIDs.
	GroupNames []string
	// Password (set_password, F-L3) and PasswordHash (set_password_hash in Django's format,
	// F-H1) are secrets: never logged nor written to a report.
	Password     string
	PasswordHash string
	// Errors says why the row is invalid, in authentik's words, without values (see ErrorText).
	Errors authentik.FieldErrors
	// Warnings are non-fatal remarks for the report (e.g. duplicate e-mail address).
	Warnings []string
	shown    []shownValue // the values behind some of Errors' messages
}

// shownValue is what ErrorText appends to one message, e.g. `got "maybe"`.
type shownValue struct{ key, msg, text string }

// Valid reports whether the row may be sent.
func (r *Row) Valid() bool { return len(r.Errors) == 0 }

// ErrorText is the report's error cell: Errors as FieldErrors.String writes them, each
// message followed by the value that failed, e.g. `is_active: Must be a valid boolean. (got "maybe")`.
func (r *Row) ErrorText() string {
	fe := make(authentik.FieldErrors, len(r.Errors))
	for k, msgs := range r.Errors {
		for _, m := range msgs {
			if i := slices.IndexFunc(r.shown, func(s shownValue) bool { return s.key == k && s.msg == m }); i >= 0 {
				m += " (" + r.shown[i].text + ")"
			}
			fe.Add(k, m)
		}
	}
	return fe.String()
}

// show notes value as the one behind key's message msg; secrets are never shown.
func (r *Row) show(key, msg, value string) {
	if key == "password" || key == "password_hash" || value != "" && strings.Contains(msg, value) {
		return
	}
	r.shown = append(r.shown, shownValue{key, msg, "got " + quoteShort(value)})
}

// quoteShort quotes a value for a message, cut to its first 40 characters.
func quoteShort(s string) string {
	s = printable(s)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return strconv.Quote(s)
}

// invalidate drops what only a valid row may carry.
func (r *Row) invalidate() {
	r.Request, r.GroupNames, r.Password, r.PasswordHash = nil, nil, "", ""
}

// valueKind says what an input value is: CSV cells and JSON values differ in "empty" and "a list".
type valueKind uint8

const (
	kindAbsent valueKind = iota // no column, no key, or an empty CSV cell: not sent
	kindCell                    // text read like a CSV cell (also mapping defaults and templates)
	kindString                  // a JSON string
	kindNull                    // JSON null
	kindJSON                    // another JSON value (number, bool, array, object), kept raw
	kindBad                     // unusable (invalid UTF-8, NUL): already reported as a row error
)

// value is one input value on its way to a field.
type value struct {
	kind   valueKind
	text   string // the string (kindCell, kindString) or the raw JSON (kindJSON)
	source string // the column or key it came from, for messages
}

// isEmpty reports whether a mapping default should fill the value in.
func (v value) isEmpty() bool {
	return v.kind == kindAbsent || (v.kind == kindCell || v.kind == kindString) && v.text == ""
}

// attrValue is the value of an attributes.<key> column.
type attrValue struct {
	target target
	value  value
}

// jsonTypeName is the Python type name DRF reports for a raw JSON value.
func jsonTypeName(raw string) string {
	switch {
	case raw == "" || raw == "null":
		return "NoneType"
	case raw == "true" || raw == "false":
		return "bool"
	case strings.IndexByte(`"{[`, raw[0]) >= 0:
		return map[byte]string{'"': "str", '{': "dict", '[': "list"}[raw[0]]
	case strings.ContainsAny(raw, ".eE"):
		return "float"
	}
	return "int"
}

// jsonText is how Python's str() would show a JSON scalar: numbers as written, True/False.
func jsonText(raw string) string {
	switch raw {
	case "true":
		return "True"
	case "false":
		return "False"
	}
	return raw
}

const msgInvalidUTF8 = "invalid UTF-8"

// cellProblem says what makes a cell unusable: invalid UTF-8 or a NUL byte.
func cellProblem(s string) string {
	if !utf8.ValidString(s) {
		return msgInvalidUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "a NUL byte"
	}
	return ""
}

// printable makes a value safe to show in a report: invalid UTF-8 and NUL become U+FFFD.
func printable(s string) string {
	if cellProblem(s) == "" {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// decodeJSON decodes one JSON value, and nothing after it, keeping numbers exact (json.Number).
func decodeJSON(raw string, out any) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more after the value")
	}
	return nil
}
