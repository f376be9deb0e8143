package authentiktest

import (
	"bytes"
	"encoding/json"
	"slices"
)

// DRF's messages (rest_framework and django.core.validators) that authentik answers with.
const (
	msgRequired       = "This field is required."
	msgNull           = "This field may not be null."
	msgBlank          = "This field may not be blank."
	msgNotString      = "Not a valid string."
	msgNullCharacters = "Null characters are not allowed."
	msgUnique         = "This field must be unique."
	msgInvalidEmail   = "Enter a valid email address."
	msgInvalidBool    = "Must be a valid boolean."
	msgAttributes     = "Value must be a dictionary, and not have any duplicate keys."
	msgPathSlashes    = "No leading or trailing slashes allowed."
	msgPathSegments   = "No empty segments in user path allowed."
	msgInternalSA     = "Setting a user to internal service account is not allowed."
	msgChangeSA       = "Can't change internal service account to other user type."
	msgNoData         = "No data provided"
	msgNotFound       = "Not found."
	msgNoUser         = "No User matches the given query."
	msgInvalidPage    = "Invalid page."
)

// fieldOrder is the declaration order of UserSerializer's writable fields (and of
// UserPasswordSetSerializer's); DRF reports errors in this order.
var fieldOrder = []string{"username", "name", "is_active", "last_login", "groups", "email",
	"attributes", "path", "type", "password", "non_field_errors"}

// fieldErrors is a 400 body (F-U2) that renders its keys in DRF's order.
type fieldErrors map[string][]string

func (fe fieldErrors) add(field, msg string) { fe[field] = append(fe[field], msg) }

// MarshalJSON writes the fields in serializer declaration order, unknown ones last.
func (fe fieldErrors) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(fieldOrder, k); i >= 0 {
			return i
		}
		return len(fieldOrder)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		if a < b {
			return -1
		}
		return 1
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeCompact(&buf, k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encodeCompact(&buf, fe[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encodeCompact writes v as authentik's orjson renderer does: compact, HTML not escaped.
func encodeCompact(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
