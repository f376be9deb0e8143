package mapping

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

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
	kind valueKind
	// text is the string (kindCell, kindString) or the raw JSON (kindJSON).
	text string
	// source is the column or key it came from, for messages.
	source string
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
	case raw == "":
		return "NoneType"
	case raw[0] == '"':
		return "str"
	case raw[0] == '{':
		return "dict"
	case raw[0] == '[':
		return "list"
	case raw == "true" || raw == "false":
		return "bool"
	case raw == "null":
		return "NoneType"
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
