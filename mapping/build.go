package mapping

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

const (
	rowKey          = "row"     // the error key of problems of the row, not of one field
	maxRequestBytes = 2_621_440 // the largest body authentik takes: DATA_UPLOAD_MAX_MEMORY_SIZE
)

// assembler collects one row's values, by target, then builds and validates the request.
type assembler struct {
	line, end int
	fields    [numFields]value
	attrs     []attrValue
	errs      authentik.FieldErrors
	warnings  []string // remarks for the report (values changed by normalising)
	username  string   // shown in the report when the username value itself was unusable
	unsure    string   // Row.IdentityUnsure
	shown     []shownValue
	size      int // bounds the request's JSON: the values' bytes (each at most 6 when escaped)
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
		a.attrs = append(a.attrs, attrValue{target: t, value: v})
		return
	}
	if prev := a.fields[t.field]; prev.kind != kindAbsent {
		a.fail(rowKey, fmt.Sprintf("%q and %q both give %s", prev.source, v.source, t.name))
		if t.field == fieldUsername {
			a.unsure = cmp.Or(a.unsure, "the username given twice")
		}
		return
	}
	a.fields[t.field] = v
}

// applyTemplates fills each template's target from its columns' (transformed) values; all
// empty gives nothing, and the result is trimmed so an empty column leaves no stray separator,
// but a username with an empty part would name someone else.
func (a *assembler) applyTemplates(m *Mapping, lookup func(column string) string) {
	for i := range m.templates {
		tpl := &m.templates[i]
		var b strings.Builder
		filled, empty := false, ""
		for _, p := range tpl.parts {
			if p.column == "" {
				b.WriteString(p.literal)
			} else if s := lookup(p.column); s != "" {
				filled = true
				b.WriteString(s)
			} else {
				empty = cmp.Or(empty, p.column)
			}
		}
		if filled && empty != "" && tpl.plan.gives(fieldUsername) {
			a.fail("username", fmt.Sprintf("Column %s is empty, so the template would build a partial username: fill it in.", empty))
			a.unsure = cmp.Or(a.unsure, "username template with an empty column")
		}
		if filled {
			a.set(tpl.plan.target, value{kind: kindCell, text: a.transform(&tpl.plan, strings.TrimSpace(b.String())), source: tpl.plan.name})
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

// build validates every field as authentik would, collecting all the row's errors.
func (a *assembler) build() Row {
	row := Row{Line: a.line, EndLine: a.end}
	box := &requestBox{}
	req := &box.req

	if s, ok := a.text(fieldUsername, true); ok {
		row.Username, req.Username = printable(s), s
		if s == "" {
			a.fail("username", msgBlank)
		} else if len(s) > maxUsernameLength && utf8.RuneCountInString(s) > maxUsernameLength {
			a.fail("username", msgUsernameTooLong)
		}
		if msg, why := usernameProblem(s); msg != "" {
			a.fail("username", msg)
			a.unsure = cmp.Or(a.unsure, why)
		}
	}

	if s, ok := a.text(fieldName, true); ok {
		box.name = s
		req.Name = &box.name
	}

	if s, ok := a.text(fieldEmail, false); ok {
		if len(s) > maxEmailLength && utf8.RuneCountInString(s) > maxEmailLength {
			a.fail("email", msgEmailTooLong)
		}
		if s != "" && !validEmail(s) { // a line break makes it invalid
			a.fail("email", msgEmailInvalid)
			if strings.ContainsAny(s, "\r\n") {
				a.unsure = cmp.Or(a.unsure, "line break in the email")
			}
		}
		box.email = s
		req.Email = &box.email
	}

	if v := a.fields[fieldIsActive]; a.present("is_active", v) {
		var ok bool
		if box.isActive, ok = parseBool(v.text); ok { // JSON's true and 1 too
			req.IsActive = &box.isActive
		} else {
			a.fail("is_active", msgBoolInvalid)
		}
	}

	if s, ok := a.text(fieldPath, false); ok { // F-U10
		switch {
		case s == "":
			a.fail("path", msgBlank)
		case s[0] == '/' || s[len(s)-1] == '/':
			a.fail("path", msgPathSlashes)
		case strings.Contains(s, "//"):
			a.fail("path", msgPathEmptySegment)
		}
		box.path = s
		req.Path = &box.path
	}

	if v := a.fields[fieldType]; a.present("type", v) {
		box.typ = v.text
		if v.kind == kindJSON {
			box.typ = jsonText(v.text)
		}
		switch {
		case !slices.Contains(userTypes, box.typ):
			a.fail("type", msgInvalidChoice(box.typ))
		case box.typ == "internal_service_account":
			a.fail("type", msgInternalServiceAccount)
		default:
			req.Type = &box.typ
		}
	}

	if v := a.fields[fieldGroups]; a.present("groups", v) {
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
		a.unsure = cmp.Or(a.unsure, "empty username")
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
		for f, v := range a.fields {
			if v.kind == kindAbsent || v.kind == kindBad {
				continue
			}
			if v.kind == kindNull {
				v.text = "null"
			}
			for _, m := range a.errs[fieldNames[f]] {
				row.show(fieldNames[f], m, v.text)
			}
		}
		row.invalidate()
		return row
	}
	row.Request = req
	return row
}

// transform runs a column's transforms on a value; a value one cannot take is a row error.
func (a *assembler) transform(p *columnPlan, s string) string {
	for _, t := range p.transforms {
		out, err := t(s)
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

// present reports whether v is a value to check; null is key's error, a bad value was reported.
func (a *assembler) present(key string, v value) bool {
	if v.kind == kindNull {
		a.fail(key, msgNull)
	}
	return v.kind != kindAbsent && v.kind != kindBad && v.kind != kindNull
}

// text reads a text field as DRF's CharField does: numbers become their text, other JSON
// values are refused, and the value is stripped (with a warning) before it is validated.
func (a *assembler) text(f field, required bool) (string, bool) {
	v, key := a.fields[f], fieldNames[f]
	if v.kind == kindAbsent && required {
		a.fail(key, msgRequired)
	}
	if !a.present(key, v) {
		return "", false
	}
	if v.kind == kindJSON && !slices.Contains([]string{"int", "float"}, jsonTypeName(v.text)) {
		a.fail(key, msgNotString)
		return "", false
	}
	s := Strip(v.text)
	if s != v.text {
		a.warnings = append(a.warnings, key+": white space around the value removed, as authentik stores it")
	}
	return s, true
}

// buildGroups splits a groups cell on ";" (or reads a JSON list): UUIDs go to the request,
// other entries are group names for the importer to resolve.
func (a *assembler) buildGroups(row *Row, req *authentik.UserRequest, v value) {
	add := func(e string) {
		if e = strings.TrimSpace(e); IsUUID(e) {
			req.Groups = append(req.Groups, e)
		} else if e != "" {
			row.GroupNames = append(row.GroupNames, e)
		}
	}
	switch v.kind {
	case kindCell:
		row.GroupNames = make([]string, 0, strings.Count(v.text, ";")+1)
		for e := range strings.SplitSeq(v.text, ";") {
			add(e)
		}
	case kindString:
		a.fail("groups", msgNotAList("str"))
	case kindJSON:
		var raws []json.RawMessage
		if v.text[0] != '[' || json.Unmarshal([]byte(v.text), &raws) != nil {
			a.fail("groups", msgNotAList(jsonTypeName(v.text)))
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
	switch v := a.fields[fieldAttributes]; {
	case v.kind == kindAbsent:
	case !a.present("attributes", v):
		ok = false
	default:
		var obj map[string]any // not attrs, which would then always live on the heap
		raw := strings.TrimSpace(v.text)
		if ok = v.kind != kindString && strings.HasPrefix(raw, "{") && decodeJSON(raw, &obj) == nil; !ok {
			a.fail("attributes", msgAttributesInvalid)
		}
		attrs = obj
	}
	var columns map[string]any
	for _, av := range a.attrs {
		var leaf any // kindNull: nil
		switch av.value.kind {
		case kindAbsent, kindBad:
			continue
		case kindCell, kindString:
			leaf = av.value.text
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

// setPath sets root[path[0]][path[1]]… = leaf, creating objects on the way, or describes
// the conflict of a key that would hold both a value and nested keys.
func setPath(root map[string]any, path []string, leaf any) string {
	conflict := func(at int) string {
		return fmt.Sprintf("%s%s conflicts with %s%s: a key cannot hold both a value and nested keys",
			attributesPrefix, strings.Join(path, "."), attributesPrefix, strings.Join(path[:at+1], "."))
	}
	m, last := root, len(path)-1
	for i, seg := range path[:last] {
		next, exists := m[seg]
		if !exists {
			next = make(map[string]any)
			m[seg] = next
		}
		var isObject bool
		if m, isObject = next.(map[string]any); !isObject {
			return conflict(i)
		}
	}
	if _, exists := m[path[last]]; exists {
		return conflict(last)
	}
	m[path[last]] = leaf
	return ""
}

// mergeInto copies src into dst, src winning on values; an object meeting a value is a conflict.
func mergeInto(dst, src map[string]any, prefix string) string {
	for _, k := range slices.Sorted(maps.Keys(src)) {
		dv, exists := dst[k]
		sObj, sIsObj := src[k].(map[string]any)
		dObj, dIsObj := dv.(map[string]any)
		switch {
		case sIsObj && dIsObj:
			if msg := mergeInto(dObj, sObj, prefix+k+"."); msg != "" {
				return msg
			}
		case exists && (sIsObj || dIsObj):
			return fmt.Sprintf("%s%s conflicts with the attributes column's %q: a key cannot hold both a value and nested keys", prefix, k, k)
		default:
			dst[k] = src[k]
		}
	}
	return ""
}
