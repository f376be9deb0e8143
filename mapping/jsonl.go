package mapping

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

const (
	maxJSONLine   = 16 << 20 // the longest line read; a longer one is an invalid row
	maxCachedKeys = 4096     // bounds the cache of key plans, for a file with ever-new keys
)

// escapedNUL is a \u0000 escape whose backslash is not escaped: authentik cannot store NUL.
var escapedNUL = regexp.MustCompile(`(^|[^\\])(\\\\)*\\u0000`)

// jsonlRows reads one object per line; blank lines are skipped; lines keep their numbers.
type jsonlRows struct {
	br    *bufio.Reader
	m     *Mapping
	line  int // lines read so far
	buf   []byte
	plans map[string]columnPlan
	text  *textWatch // lines need a UTF-8 check only once it is dirty
	err   error
}

func newJSONLRows(r io.Reader, text *textWatch, m *Mapping) *jsonlRows {
	return &jsonlRows{br: bufio.NewReaderSize(r, 64<<10), m: m, plans: make(map[string]columnPlan), text: text}
}

func (j *jsonlRows) close() error {
	j.err = io.EOF
	return nil
}

func (j *jsonlRows) next() (Row, error) {
	for j.err == nil {
		line, tooLong, err := j.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			j.err = fmt.Errorf("reading line %d of the JSON Lines input: %w", j.line+1, err)
			break
		}
		if err != nil && len(line) == 0 && !tooLong {
			j.err = io.EOF
			break
		}
		j.line++
		if tooLong {
			return j.unreadable(fmt.Sprintf("line too long: more than %d MiB", maxJSONLine>>20)), nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		row := j.row(line)
		if cap(j.buf) > 1<<20 {
			j.buf = nil // do not keep a huge line's buffer
		}
		return row, nil
	}
	return Row{}, j.err
}

// readLine reads one line up to maxJSONLine long; a longer one is skipped as tooLong.
func (j *jsonlRows) readLine() (line []byte, tooLong bool, err error) {
	j.buf = j.buf[:0]
	for {
		chunk, err := j.br.ReadSlice('\n')
		if tooLong = tooLong || len(j.buf)+len(chunk) > maxJSONLine; !tooLong {
			j.buf = append(j.buf, chunk...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return j.buf, tooLong, err
		}
	}
}

// unreadable is the row of a line that is not a JSON object.
func (j *jsonlRows) unreadable(msg string) Row {
	return Row{Line: j.line, EndLine: j.line, IdentityUnsure: "not a JSON object", Errors: authentik.FieldErrors{rowKey: {msg}}}
}

// row maps and validates one non-blank line.
func (j *jsonlRows) row(line []byte) Row {
	if j.text.dirty && !utf8.Valid(line) {
		return j.unreadable("invalid UTF-8 on this line (if the file is not UTF-8, give its --encoding, e.g. windows-1252)")
	}
	trimmed := bytes.TrimSpace(line)
	if trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			var v any
			msg := "invalid JSON: " + json.Unmarshal(trimmed, &v).Error()
			if bytes.ContainsAny(trimmed, ",;\t") {
				msg += " (if the file is CSV, give --format csv)"
			}
			return j.unreadable(msg)
		}
		kind := map[byte]string{'[': "an array", '"': "a string", 't': "a boolean", 'f': "a boolean", 'n': "null"}[trimmed[0]]
		return j.unreadable("not a JSON object: got " + cmp.Or(kind, "a number"))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return j.unreadable("invalid JSON: " + err.Error())
	}
	a := assembler{line: j.line, end: j.line}
	if bytes.Contains(trimmed, []byte(`\u0000`)) && escapedNUL.Match(trimmed) {
		a.fail(rowKey, `a NUL character (\u0000) on this line`)
	}
	if k := repeatedKey(trimmed, len(obj)); k != "" {
		a.fail(rowKey, fmt.Sprintf("key %q is given twice on this line: give it once", k))
		if p := j.plan(k); p.gives(fieldUsername) {
			a.unsure = "the username given twice"
		}
	}
	values := make(map[string]value, len(obj))
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		p := j.plan(key)
		v := jsonValue(obj[key], key)
		if v.kind == kindString && len(p.transforms) > 0 {
			v.text = a.transform(&p, v.text)
		}
		values[fold(key)] = v
		switch p.use {
		case useUnknown, useUnnamed:
			a.fail(rowKey, fmt.Sprintf("unknown key %q: a key must be one of %s, or be named in the mapping file", key, acceptedFields()))
		case useTarget:
			if p.gives(fieldUsername) && v.kind == kindString {
				a.username = printable(v.text)
			}
			a.set(p.target, v)
		}
	}
	if j.m != nil && len(j.m.templates) > 0 {
		a.applyTemplates(j.m, func(col string) string {
			switch v := values[col]; v.kind {
			case kindString:
				return v.text
			case kindJSON:
				return jsonText(v.text)
			}
			return ""
		})
	}
	a.applyDefaults(j.m)
	return a.build()
}

// plan resolves a key, caching the answer for the keys every line repeats.
func (j *jsonlRows) plan(key string) columnPlan {
	if p, ok := j.plans[key]; ok {
		return p
	}
	p := j.m.resolve(key)
	if len(j.plans) < maxCachedKeys {
		j.plans[key] = p
	}
	return p
}

// jsonValue classifies a raw JSON value.
func jsonValue(raw json.RawMessage, source string) value {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return value{source: source}
	case string(raw) == "null":
		return value{kind: kindNull, source: source}
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return value{kind: kindString, text: s, source: source}
		}
	}
	return value{kind: kindJSON, text: string(raw), source: source}
}

// repeatedKey returns a key a valid JSON object has twice at its top level (json.Unmarshal
// keeps the last one silently), or "" when it has no more than keys keys.
func repeatedKey(obj []byte, keys int) string {
	var buf [32][]byte
	raw, depth := buf[:0], 0
	for i := 0; i < len(obj); i++ {
		switch obj[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			start := i
			for i++; obj[i] != '"'; i++ {
				if obj[i] == '\\' {
					i++
				}
			}
			if depth == 1 && bytes.TrimLeft(obj[i+1:], " \t\r\n")[0] == ':' {
				raw = append(raw, obj[start:i+1])
			}
		}
	}
	if len(raw) == keys {
		return ""
	}
	seen := make(map[string]bool, len(raw))
	for _, r := range raw {
		var k string
		_ = json.Unmarshal(r, &k)
		if seen[k] {
			return k
		}
		seen[k] = true
	}
	return ""
}
