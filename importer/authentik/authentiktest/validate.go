package authentiktest

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// userInput is a validated create or patch body: a nil pointer (or false *Set) is a field
// that was not sent.
type userInput struct {
	Username     *string
	Name         *string
	IsActive     *bool
	LastLoginSet bool
	LastLogin    *string
	GroupsSet    bool
	Groups       []string // canonical group UUIDs, first occurrence kept
	Email        *string
	Attributes   map[string]any // non-nil when sent
	Path         *string
	Type         *string
}

// User types (F-U11).
const (
	typeInternal               = "internal"
	typeExternal               = "external"
	typeServiceAccount         = "service_account"
	typeInternalServiceAccount = "internal_service_account"
)

var userTypes = map[string]bool{typeInternal: true, typeExternal: true,
	typeServiceAccount: true, typeInternalServiceAccount: true}

// validateUser checks a body as UserSerializer does, except for username uniqueness, which
// needs the store. partial is PATCH; currentType is the patched user's type ("" on create).
// Every field's errors are collected (F-U2); unknown keys are ignored (F-U12).
func validateUser(data map[string]any, partial bool, currentType string, groups *groupSet) (userInput, fieldErrors) {
	var in userInput
	errs := fieldErrors{}
	field := func(key string, required bool) (any, bool) {
		v, ok := data[key]
		if !ok && required && !partial {
			errs.add(key, msgRequired)
		}
		return v, ok
	}
	if v, ok := field("username", true); ok { // F-U3
		if s, msgs := validateChar(v, false, 150); len(msgs) > 0 {
			errs["username"] = msgs
		} else {
			in.Username = &s
		}
	}
	if v, ok := field("name", true); ok { // F-U4
		if s, msgs := validateChar(v, true, 0); len(msgs) > 0 {
			errs["name"] = msgs
		} else {
			in.Name = &s
		}
	}
	if v, ok := field("is_active", false); ok { // F-U6
		if b, msg := validateBool(v); msg != "" {
			errs.add("is_active", msg)
		} else {
			in.IsActive = &b
		}
	}
	if v, ok := field("last_login", false); ok { // F-U7
		if v == nil {
			in.LastLoginSet = true
		} else if s, isStr := v.(string); !isStr {
			errs.add("last_login", msgDateTimeFormat)
		} else if t, ok := parseDateTime(s); !ok {
			errs.add("last_login", msgDateTimeFormat)
		} else {
			in.LastLoginSet, in.LastLogin = true, &t
		}
	}
	if v, ok := field("groups", false); ok { // F-U8
		if ids, msg := validateGroups(v, groups); msg != "" {
			errs.add("groups", msg)
		} else {
			in.GroupsSet, in.Groups = true, ids
		}
	}
	if v, ok := field("email", false); ok { // F-U5
		s, msgs := validateChar(v, true, 254)
		if s != "" && !validEmail(s) { // s is "" when the value was null or not a string
			msgs = append(msgs, msgInvalidEmail)
		}
		if len(msgs) > 0 {
			errs["email"] = msgs
		} else {
			in.Email = &s
		}
	}
	if v, ok := field("attributes", false); ok { // F-U9
		switch m := v.(type) {
		case nil:
			errs.add("attributes", msgNull)
		case map[string]any:
			in.Attributes = plainJSON(m).(map[string]any)
		default:
			errs.add("attributes", msgAttributes)
		}
	}
	if v, ok := field("path", false); ok { // F-U10
		if s, msgs := validateChar(v, false, 0); len(msgs) > 0 {
			errs["path"] = msgs
		} else if msg := validatePath(s); msg != "" {
			errs.add("path", msg)
		} else {
			in.Path = &s
		}
	}
	if v, ok := field("type", false); ok { // F-U11
		if t, msg := validateType(v, currentType); msg != "" {
			errs.add("type", msg)
		} else {
			in.Type = &t
		}
	}
	return in, errs
}

// validateChar is DRF's CharField: null refused, numbers turned into strings, other types
// refused, surrounding whitespace trimmed, blank refused unless allowBlank, then the
// max-length and null-character validators, all of whose messages are kept.
func validateChar(v any, allowBlank bool, maxLen int) (string, []string) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", []string{msgNull}
	case string:
		s = x
	case json.Number:
		s = pyNumber(x)
	default:
		return "", []string{msgNotString}
	}
	s = pyStrip(s)
	if s == "" {
		if !allowBlank {
			return "", []string{msgBlank}
		}
		return "", nil
	}
	var msgs []string
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		msgs = append(msgs, fmt.Sprintf("Ensure this field has no more than %d characters.", maxLen))
	}
	if strings.ContainsRune(s, 0) {
		msgs = append(msgs, msgNullCharacters)
	}
	return s, msgs
}

// DRF BooleanField's accepted values.
var (
	trueStrings  = map[string]bool{"t": true, "T": true, "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true, "1": true}
	falseStrings = map[string]bool{"f": true, "F": true, "n": true, "N": true, "no": true, "No": true, "NO": true, "false": true, "False": true, "FALSE": true, "off": true, "Off": true, "OFF": true, "0": true}
)

// validateBool is DRF's BooleanField without null (F-U6): JSON booleans, the numbers 1 and
// 0 (1.0 and 0.0 too, as Python compares them equal) and DRF's true/false strings.
func validateBool(v any) (bool, string) {
	switch x := v.(type) {
	case nil:
		return false, msgNull
	case bool:
		return x, ""
	case string:
		if trueStrings[x] {
			return true, ""
		}
		if falseStrings[x] {
			return false, ""
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			if f == 1 {
				return true, ""
			}
			if f == 0 {
				return false, ""
			}
		}
	}
	return false, msgInvalidBool
}

// validateGroups is DRF's ManyRelatedField of PrimaryKeyRelatedField over UUID keys (F-U8):
// the first bad item stops the check, as in DRF.
func validateGroups(v any, groups *groupSet) ([]string, string) {
	var items []any
	switch x := v.(type) {
	case nil:
		return nil, msgNull
	case []any:
		items = x
	case map[string]any: // Python iterates a dict's keys
		for _, k := range sortedKeys(x) {
			items = append(items, k)
		}
	default:
		return nil, `Expected a list of items but got type "` + pyTypeName(v) + `".`
	}
	ids := make([]string, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		if _, isBool := item.(bool); isBool {
			return nil, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyTypeName(item))
		}
		id, ok := groupKey(item)
		if !ok {
			return nil, fmt.Sprintf("“%s” is not a valid UUID.", pyStr(item))
		}
		if !groups.has(id) {
			return nil, fmt.Sprintf("Invalid pk \"%s\" - object does not exist.", pyStr(item))
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, ""
}

// groupKey turns a group reference into its canonical UUID as Django's UUIDField does:
// strings in any of Python's uuid.UUID(hex=…) forms, integers as UUID(int=…).
// A null item looks up no group: ok with an id no group has.
func groupKey(item any) (string, bool) {
	switch x := item.(type) {
	case nil:
		return "none", true
	case string:
		return parsePyUUID(x)
	case json.Number:
		if !isJSONInt(x) {
			return "", false
		}
		return uuidFromInt(string(x))
	default:
		return "", false
	}
}

// validatePath is authentik's validate_path (F-U10).
func validatePath(path string) string {
	if strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return msgPathSlashes
	}
	for _, segment := range strings.Split(path, "/") {
		if segment == "" {
			return msgPathSegments
		}
	}
	return ""
}

// validateType is DRF's ChoiceField plus authentik's validate_type (F-U11).
func validateType(v any, currentType string) (string, string) {
	if v == nil {
		return "", msgNull
	}
	t := pyStr(v)
	if !userTypes[t] {
		return "", `"` + t + `" is not a valid choice.`
	}
	if currentType == typeInternalServiceAccount && t != typeInternalServiceAccount {
		return "", msgChangeSA
	}
	if currentType == "" && t == typeInternalServiceAccount {
		return "", msgInternalSA
	}
	return t, ""
}

// validatePassword is UserPasswordSetSerializer: a required, non-blank, trimmed CharField (F-L3).
func validatePassword(data map[string]any) (string, fieldErrors) {
	errs := fieldErrors{}
	v, ok := data["password"]
	if !ok {
		errs.add("password", msgRequired)
		return "", errs
	}
	s, msgs := validateChar(v, false, 0)
	if len(msgs) > 0 {
		errs["password"] = msgs
	}
	return s, errs
}

// plainJSON turns the json.Numbers of a decoded value into float64, as json.Unmarshal into
// an any would, so stored attributes compare as callers expect; an integer float64 cannot
// hold exactly stays a json.Number of its digits, as Python keeps it.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if isJSONInt(x) && (err != nil || math.Abs(f) >= 1<<53) {
			return json.Number(pyNumber(x))
		}
		if isJSONInt(x) && f == 0 {
			return 0.0 // Python's int has no -0
		}
		if err != nil {
			return x // out of float64's range: kept as written
		}
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainJSON(e)
		}
		return out
	default:
		return v
	}
}
