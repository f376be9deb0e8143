package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

// rowKey is the error key of problems that belong to the row rather than to a field
// (malformed record, unreadable cell, conflicting columns).
const rowKey = "row"

// maxRequestBytes is the largest request body authentik takes: Django's
// DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB by default); a larger one is refused.
const maxRequestBytes = 2_621_440

// assembler collects one row's values, by target, then builds and validates the request.
type assembler struct {
	line, end int
	fields    [numFields]value
	attrs     []attrValue
	// attrHint is how many attributes.<key> values a row may have, to size attrs once.
	attrHint int
	errs     authentik.FieldErrors
	// warnings are remarks for the report (values changed by normalising).
	warnings []string
	// username is shown in the report when the username value itself was unusable.
	username string
	unsure   string // Row.IdentityUnsure
	shown    []shownValue
	// size bounds the request's JSON: the values' bytes (each at most 6 when escaped).
	size int
}

func (a *assembler) fail(key, msg string) {
	if a.errs == nil {
		a.errs = make(authentik.FieldErrors, 2)
	}
	a.errs.Add(key, msg)
}

// set gives a target its value; two columns giving the same field is a row error.
func (a *assembler) set(t target, v value) {
	if v.kind == kindCell && v.text == "" {
		return // an empty cell is a field not sent
	}
	a.size += len(v.text) + len(t.name)
	if t.isAttribute() {
		if a.attrs == nil {
			a.attrs = make([]attrValue, 0, max(a.attrHint, 1))
		}
		a.attrs = append(a.attrs, attrValue{target: t, value: v})
		return
	}
	if prev := a.fields[t.field]; prev.kind != kindAbsent {
		a.fail(rowKey, fmt.Sprintf("%q and %q both give %s", prev.source, v.source, t.name))
		return
	}
	a.fields[t.field] = v
}

// applyTemplates fills each template's target from its columns' (transformed) values; all
// empty gives nothing, and the result is trimmed so an empty column leaves no stray separator.
func (a *assembler) applyTemplates(m *Mapping, lookup func(column string) string) {
	if m == nil {
		return
	}
	for i := range m.templates {
		tpl := &m.templates[i]
		var b strings.Builder
		filled := false
		for _, p := range tpl.parts {
			if p.column == "" {
				b.WriteString(p.literal)
				continue
			}
			if s := lookup(p.column); s != "" {
				filled = true
				b.WriteString(s)
			}
		}
		if filled {
			a.set(tpl.target, value{kind: kindCell, text: a.transform(&tpl.plan, strings.TrimSpace(b.String())), source: tpl.plan.name})
		}
	}
}

// applyDefaults fills empty targets with the mapping's constants.
func (a *assembler) applyDefaults(m *Mapping) {
	if m == nil {
		return
	}
	for _, d := range m.defaults {
		v := value{kind: kindCell, text: d.value, source: "default " + d.target.name}
		if d.target.isAttribute() {
			if !slices.ContainsFunc(a.attrs, func(av attrValue) bool { return av.target.name == d.target.name && !av.value.isEmpty() }) {
				a.set(d.target, v)
			}
			continue
		}
		if a.fields[d.target.field].isEmpty() {
			a.fields[d.target.field] = value{}
			a.set(d.target, v)
		}
	}
}

// requestBox holds a request and the values its pointers point to: one allocation a row.
type requestBox struct {
	req                               authentik.UserRequest
	name, email, path, typ, lastLogin string
	isActive                          bool
}

// build validates every field as authentik would, collecting all the row's errors, and makes
// the create request.
func (a *assembler) build() Row {
	row := Row{Line: a.line, EndLine: a.end}
	box := &requestBox{}
	req := &box.req

	if v := a.fields[fieldUsername]; v.kind == kindAbsent {
		a.fail("username", msgRequired)
	} else if s, ok := a.str("username", v); ok {
		s = a.normalizeText("username", s) // DRF strips before it validates
		row.Username = printable(s)
		req.Username = s
		if s == "" {
			a.fail("username", msgBlank)
		} else if len(s) > maxUsernameLength && utf8.RuneCountInString(s) > maxUsernameLength {
			a.fail("username", msgUsernameTooLong)
		}
		if hasLineBreak(s) {
			a.fail("username", msgLineBreak)
			a.setUnsure("line break in the username")
		}
	}

	if v := a.fields[fieldName]; v.kind == kindAbsent {
		a.fail("name", msgRequired)
	} else if s, ok := a.str("name", v); ok {
		box.name = a.normalizeText("name", s)
		req.Name = &box.name
	}

	if v := a.fields[fieldEmail]; v.kind != kindAbsent {
		if s, ok := a.str("email", v); ok {
			s = a.normalizeText("email", s)
			if s != "" {
				if len(s) > maxEmailLength && utf8.RuneCountInString(s) > maxEmailLength {
					a.fail("email", msgEmailTooLong)
				}
				if !validEmail(s) { // a line break makes it invalid
					a.fail("email", msgEmailInvalid)
					if hasLineBreak(s) {
						a.setUnsure("line break in the email")
					}
				}
			}
			box.email = s
			req.Email = &box.email
		}
	}

	if v := a.fields[fieldIsActive]; v.kind != kindAbsent {
		if b, ok := a.boolean("is_active", v); ok {
			box.isActive = b
			req.IsActive = &box.isActive
		}
	}

	if v := a.fields[fieldPath]; v.kind != kindAbsent {
		if s, ok := a.str("path", v); ok {
			s = a.normalizeText("path", s)
			if msg := pathError(s); msg != "" {
				a.fail("path", msg)
			}
			box.path = s
			req.Path = &box.path
		}
	}

	if v := a.fields[fieldType]; v.kind != kindAbsent {
		if s, ok := a.userType(v); ok {
			box.typ = s
			req.Type = &box.typ
		}
	}

	if v := a.fields[fieldGroups]; v.kind != kindAbsent {
		a.buildGroups(&row, req, v)
	}

	a.buildAttributes(req)

	if v := a.fields[fieldLastLogin]; v.kind != kindAbsent && v.kind != kindNull && v.kind != kindBad {
		// null is not sent: a new user has no last login anyway.
		if (v.kind == kindCell || v.kind == kindString) && validDateTime(v.text) {
			box.lastLogin = v.text
			req.LastLogin = &box.lastLogin
		} else {
			a.fail("last_login", msgDateTimeInvalid)
		}
	}

	if v := a.fields[fieldPassword]; v.kind == kindCell || v.kind == kindString {
		row.Password = v.text
	} else if v.kind == kindJSON {
		a.fail("password", msgNotString)
	}

	a.buildPasswordHash(&row)

	if row.Username == "" {
		row.Username = Strip(a.username)
	}
	if row.Username == "" {
		a.setUnsure("empty username")
	}
	if len(a.errs) == 0 && a.size*6+4096 > maxRequestBytes {
		if b, err := json.Marshal(req); err == nil && len(b) > maxRequestBytes {
			a.fail(rowKey, msgTooLarge)
			a.shown = append(a.shown, shownValue{rowKey, msgTooLarge, fmt.Sprintf("%d bytes", len(b))})
		}
	}
	row.Warnings, row.IdentityUnsure = a.warnings, a.unsure
	if len(a.errs) > 0 {
		row.Errors, row.shown = a.errs, a.shown
		for key, msgs := range a.errs {
			f, ok := fieldByName(key)
			if v := a.fields[f]; ok && v.kind != kindAbsent && v.kind != kindBad {
				if v.kind == kindNull {
					v.text = "null"
				}
				for _, m := range msgs {
					row.show(key, m, v.text)
				}
			}
		}
		row.invalidate()
		return row
	}
	row.Request = req
	return row
}

// hasLineBreak is strings.ContainsAny(s, "\r\n"), which is slower for a row's fields.
func hasLineBreak(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

func (a *assembler) setUnsure(why string) {
	if a.unsure == "" {
		a.unsure = why
	}
}

// transform runs a column's transforms on a value; a value one cannot take is a row error.
func (a *assembler) transform(p *columnPlan, s string) string {
	for _, t := range p.transforms {
		out, err := t.apply(s)
		if err != nil {
			key := rowKey
			if p.use == useTarget && !p.target.isAttribute() {
				key = p.target.name
			}
			msg := fmt.Sprintf("column %s: %v", p.name, err)
			a.fail(key, msg)
			if key != "password" && key != "password_hash" {
				a.shown = append(a.shown, shownValue{key, msg, "got " + quoteShort(s)})
			}
			return ""
		}
		s = out
	}
	return s
}

// str reads a text field as DRF's CharField does: numbers become their text, other JSON
// values are refused.
func (a *assembler) str(key string, v value) (string, bool) {
	switch v.kind {
	case kindBad:
		return "", false
	case kindCell, kindString:
		return v.text, true
	case kindNull:
		a.fail(key, msgNull)
		return "", false
	case kindJSON:
		if t := jsonTypeName(v.text); t == "int" || t == "float" {
			return v.text, true
		}
	}
	a.fail(key, msgNotString)
	return "", false
}

func (a *assembler) boolean(key string, v value) (bool, bool) {
	switch v.kind {
	case kindBad:
		return false, false
	case kindCell, kindString:
		if b, ok := parseBool(v.text); ok {
			return b, true
		}
	case kindNull:
		a.fail(key, msgNull)
		return false, false
	case kindJSON:
		switch v.text {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	a.fail(key, msgBoolInvalid)
	return false, false
}

func (a *assembler) userType(v value) (string, bool) {
	var s string
	switch v.kind {
	case kindBad:
		return "", false
	case kindNull:
		a.fail("type", msgNull)
		return "", false
	case kindJSON:
		s = jsonText(v.text)
	default:
		s = v.text
	}
	switch {
	case !slices.Contains(userTypes, s):
		a.fail("type", msgInvalidChoice(s))
	case s == internalServiceAccount:
		a.fail("type", msgInternalServiceAccount)
	default:
		return s, true
	}
	return "", false
}

// buildGroups splits a groups cell on ";" (or reads a JSON list): UUIDs go to the request,
// other entries are group names for the importer to resolve.
func (a *assembler) buildGroups(row *Row, req *authentik.UserRequest, v value) {
	add := func(e string) {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case IsUUID(e):
			req.Groups = append(req.Groups, e)
		default:
			row.GroupNames = append(row.GroupNames, e)
		}
	}
	switch v.kind {
	case kindBad:
	case kindNull:
		a.fail("groups", msgNull)
	case kindCell:
		row.GroupNames = make([]string, 0, strings.Count(v.text, ";")+1)
		for e := range strings.SplitSeq(v.text, ";") {
			add(e)
		}
	case kindString:
		a.fail("groups", msgNotAList("str"))
	case kindJSON:
		if v.text[0] != '[' {
			a.fail("groups", msgNotAList(jsonTypeName(v.text)))
			return
		}
		var raws []json.RawMessage
		if err := json.Unmarshal([]byte(v.text), &raws); err != nil {
			a.fail("groups", msgNotAList("list"))
			return
		}
		// A list given is the whole set, an empty one included: [] clears the user's
		// groups on update (F-L2), where an absent key leaves them alone.
		req.Groups = make([]string, 0, len(raws))
		for _, raw := range raws {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				a.fail("groups", msgInvalidUUID(jsonText(string(raw))))
				continue
			}
			add(s)
		}
	}
	if len(row.GroupNames) == 0 {
		row.GroupNames = nil
	}
}

// buildAttributes merges the attributes cell (a JSON object) with the attributes.<key>
// columns, which nest on dots and win over the cell's values.
func (a *assembler) buildAttributes(req *authentik.UserRequest) {
	var attrs map[string]any
	ok := true
	switch v := a.fields[fieldAttributes]; v.kind {
	case kindAbsent:
	case kindNull:
		a.fail("attributes", msgNull)
		ok = false
	case kindBad:
		ok = false
	case kindCell, kindJSON:
		if attrs, ok = decodeObject(v.text); !ok {
			a.fail("attributes", msgAttributesInvalid)
		}
	case kindString:
		a.fail("attributes", msgAttributesInvalid)
		ok = false
	}
	var columns map[string]any
	for _, av := range a.attrs {
		var leaf any
		switch av.value.kind {
		case kindAbsent, kindBad:
			continue
		case kindCell, kindString:
			leaf = av.value.text
		case kindNull:
			leaf = nil
		case kindJSON:
			if decodeJSON(av.value.text, &leaf) != nil {
				a.fail("attributes", fmt.Sprintf("%s: not valid JSON", av.target.name))
				continue
			}
		}
		if columns == nil {
			columns = make(map[string]any, len(a.attrs))
		}
		if msg := setPath(columns, av.target.attrPath, leaf); msg != "" {
			a.fail("attributes", msg)
			ok = false
		}
	}
	if !ok {
		return
	}
	if len(columns) > 0 {
		if attrs == nil {
			attrs = columns
		} else if msg := mergeInto(attrs, columns, attributesPrefix); msg != "" {
			a.fail("attributes", msg)
			return
		}
	}
	req.Attributes = attrs
}

// setPath sets root[path[0]][path[1]]… = leaf, creating objects on the way; a key that would
// hold both a value and nested keys is a conflict, described in the returned message.
func setPath(root map[string]any, path []string, leaf any) string {
	m := root
	for i, seg := range path {
		if i == len(path)-1 {
			if _, exists := m[seg]; exists {
				return conflictMessage(path, i)
			}
			m[seg] = leaf
			return ""
		}
		next, exists := m[seg]
		if !exists {
			child := make(map[string]any)
			m[seg] = child
			m = child
			continue
		}
		child, isObject := next.(map[string]any)
		if !isObject {
			return conflictMessage(path, i)
		}
		m = child
	}
	return ""
}

func conflictMessage(path []string, at int) string {
	return fmt.Sprintf("%s%s conflicts with %s%s: a key cannot hold both a value and nested keys",
		attributesPrefix, strings.Join(path, "."), attributesPrefix, strings.Join(path[:at+1], "."))
}

// mergeInto copies src into dst, src winning on values; an object meeting a value is a conflict.
func mergeInto(dst, src map[string]any, prefix string) string {
	for _, k := range sortedKeys(src) {
		sv := src[k]
		dv, exists := dst[k]
		sObj, sIsObj := sv.(map[string]any)
		dObj, dIsObj := dv.(map[string]any)
		switch {
		case !exists:
			dst[k] = sv
		case sIsObj && dIsObj:
			if msg := mergeInto(dObj, sObj, prefix+k+"."); msg != "" {
				return msg
			}
		case sIsObj || dIsObj:
			return fmt.Sprintf("%s%s conflicts with the attributes column's %q: a key cannot hold both a value and nested keys", prefix, k, k)
		default:
			dst[k] = sv
		}
	}
	return ""
}

// decodeObject reads a JSON object, and nothing after it.
func decodeObject(raw string) (map[string]any, bool) {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" || trimmed[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return m, true
}
