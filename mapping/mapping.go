package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping turns a legacy export's columns into authentik's fields (renames, ignored columns,
// defaults, transforms, templates); nil means the columns are authentik's field names.
type Mapping struct {
	columns        map[string]target // input column → target
	ignore         map[string]bool
	defaults       []defaultValue
	transforms     map[string][]transform // input column → transforms, in order
	templates      []template
	templateInputs map[string]bool // the columns the templates read
}

// mappingFile is the mapping file as written.
type mappingFile struct {
	Columns    map[string]string `yaml:"columns" json:"columns"`
	Ignore     []string          `yaml:"ignore" json:"ignore"`
	Defaults   map[string]any    `yaml:"defaults" json:"defaults"`
	Transforms map[string][]any  `yaml:"transforms" json:"transforms"`
	Templates  map[string]string `yaml:"templates" json:"templates"`
}

var mappingKeys = []string{"columns", "ignore", "defaults", "transforms", "templates"}

type defaultValue struct {
	target target
	value  string // read like a CSV cell
}

// template builds its plan's target from literal text and the values of input columns, then
// runs the transforms listed under the target's name.
type template struct {
	parts []templatePart
	plan  columnPlan
}

// templatePart is literal text, or (when column is set) the value of an input column.
type templatePart struct {
	literal string
	column  string
}

// LoadMapping reads a mapping file: YAML (.yaml, .yml) or JSON (.json). Unknown keys, unknown
// transforms and targets that are not authentik fields are errors (ErrInput); messages do
// not repeat the file's name, which the caller puts before them.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return nil, pe.Err // the caller names the file
	} else if err != nil {
		return nil, err
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		return parseMapping(data, false)
	case ".json":
		return parseMapping(data, true)
	default:
		return nil, inputErrorf("cannot tell its format from the extension %q: use .yaml, .yml or .json", ext)
	}
}

// ParseMapping reads a mapping given as YAML (or JSON, which is YAML too).
func ParseMapping(data []byte) (*Mapping, error) { return parseMapping(data, false) }

func parseMapping(data []byte, isJSON bool) (*Mapping, error) {
	var file mappingFile
	err := decodeMapping(data, isJSON, &file)
	var m *Mapping
	if err == nil {
		m, err = compileMapping(&file)
	}
	if err != nil {
		return nil, inputErrorf("%v", err)
	}
	return m, nil
}

// decodeMapping names every unknown top-level key at once, then decodes strictly.
func decodeMapping(data []byte, isJSON bool, file *mappingFile) error {
	var top map[string]any
	if isJSON {
		if err := json.Unmarshal(data, &top); err != nil {
			return fmt.Errorf("not valid JSON: %w", err)
		}
	} else if err := yaml.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("not valid YAML: %w", err)
	}
	var unknown []string
	for k := range top {
		if !slices.Contains(mappingKeys, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown key(s) %s; a mapping file has only %s", strings.Join(unknown, ", "), strings.Join(mappingKeys, ", "))
	}
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		return dec.Decode(file)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(file); !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func compileMapping(file *mappingFile) (*Mapping, error) {
	m := &Mapping{columns: map[string]target{}, ignore: map[string]bool{},
		transforms: map[string][]transform{}, templateInputs: map[string]bool{}}
	givenBy := make(map[string]string) // target name → what gives it, to refuse two sources
	for _, col := range slices.Sorted(maps.Keys(file.Columns)) {
		dst := file.Columns[col]
		col = fold(col)
		if col == "" {
			return nil, errors.New("columns: an empty column name")
		}
		t, ok := parseTarget(dst)
		if !ok {
			return nil, fmt.Errorf("columns: %q maps to %q, which is not a field; use one of %s", col, dst, acceptedFields())
		}
		if prev, ok := givenBy[t.name]; ok {
			return nil, fmt.Errorf("columns: both %s and column %q map to %s", prev, col, t.name)
		}
		givenBy[t.name] = fmt.Sprintf("column %q", col)
		m.columns[col] = t
	}
	for _, col := range file.Ignore {
		if _, ok := m.columns[fold(col)]; ok {
			return nil, fmt.Errorf("ignore: column %q is also mapped under columns", col)
		}
		m.ignore[fold(col)] = true
	}
	for _, col := range slices.Sorted(maps.Keys(file.Transforms)) {
		for _, spec := range file.Transforms[col] {
			t, err := compileTransform(spec)
			if err != nil {
				return nil, fmt.Errorf("transforms: column %q: %w", col, err)
			}
			m.transforms[fold(col)] = append(m.transforms[fold(col)], t)
		}
	}
	for _, dst := range slices.Sorted(maps.Keys(file.Templates)) {
		t, ok := parseTarget(dst)
		if !ok {
			return nil, fmt.Errorf("templates: %q is not a field; use one of %s", dst, acceptedFields())
		}
		if prev, ok := givenBy[t.name]; ok {
			return nil, fmt.Errorf("templates: %s is already given by %s", t.name, prev)
		}
		givenBy[t.name] = "a template"
		parts, err := parseTemplate(file.Templates[dst])
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", dst, err)
		}
		for _, p := range parts {
			if p.column != "" {
				m.templateInputs[p.column] = true
			}
		}
		plan := columnPlan{name: "template " + t.name, use: useTarget, target: t, transforms: m.transforms[t.name]}
		m.templates = append(m.templates, template{parts, plan})
		delete(m.transforms, t.name) // they apply to the template's result
	}
	for _, dst := range slices.Sorted(maps.Keys(file.Defaults)) {
		t, ok := parseTarget(dst)
		if !ok {
			return nil, fmt.Errorf("defaults: %q is not a field; use one of %s", dst, acceptedFields())
		}
		v, err := defaultText(t, file.Defaults[dst])
		if err != nil {
			return nil, fmt.Errorf("defaults: %s: %w", dst, err)
		}
		m.defaults = append(m.defaults, defaultValue{target: t, value: v})
	}
	return m, nil
}

// defaultText turns a default into a CSV cell's text: a scalar as written, a list (groups)
// joined with ";", an object (attributes) as JSON.
func defaultText(t target, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", errors.New("no value")
	case string:
		return v, nil
	case bool, int, int64, uint64, float64, json.Number:
		return fmt.Sprint(v), nil
	case []any:
		if t.field != fieldGroups || t.isAttribute() {
			return "", errors.New("a list is only allowed for groups")
		}
		entries := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("groups must be a list of group names or UUIDs")
			}
			entries = append(entries, s)
		}
		return strings.Join(entries, ";"), nil
	case map[string]any:
		if t.field != fieldAttributes || t.isAttribute() {
			return "", errors.New("an object is only allowed for attributes")
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("attributes: %w", err)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("unsupported value %v", v)
}

// parseTemplate reads "{{first}} {{last}}": literal text and {{column}} placeholders.
func parseTemplate(text string) ([]templatePart, error) {
	var parts []templatePart
	for rest := text; rest != ""; {
		literal, after, found := strings.Cut(rest, "{{")
		if literal != "" {
			parts = append(parts, templatePart{literal: literal})
		}
		if !found {
			break
		}
		inside, after, closed := strings.Cut(after, "}}")
		if !closed {
			return nil, fmt.Errorf("%q: {{ without a closing }}", text)
		}
		if inside = fold(inside); inside == "" {
			return nil, fmt.Errorf("%q: an empty {{}}", text)
		}
		parts = append(parts, templatePart{column: inside})
		rest = after
	}
	if !slices.ContainsFunc(parts, func(p templatePart) bool { return p.column != "" }) {
		return nil, fmt.Errorf("%q names no {{column}}; use defaults for a constant", text)
	}
	return parts, nil
}

// namedColumns are the input columns the mapping refers to, sorted.
func (m *Mapping) namedColumns() []string {
	if m == nil {
		return nil
	}
	cols := slices.Collect(maps.Keys(m.columns))
	cols = slices.AppendSeq(cols, maps.Keys(m.ignore))
	cols = slices.AppendSeq(cols, maps.Keys(m.transforms))
	cols = slices.AppendSeq(cols, maps.Keys(m.templateInputs))
	slices.Sort(cols)
	return slices.Compact(cols)
}

// columnUse says what a column (or JSONL key) is for.
type columnUse uint8

const (
	useUnknown columnUse = iota
	useTarget
	useIgnore
	useTemplateInput // read only by templates
	useUnnamed       // no name (Excel's "CSV" keeps formatted columns): a value is an error
)

// columnPlan is what to do with one input column.
type columnPlan struct {
	name       string
	use        columnUse
	target     target
	transforms []transform
}

// gives reports whether the column gives field f itself (not a key inside attributes).
func (p *columnPlan) gives(f field) bool {
	return p.use == useTarget && p.target.field == f && !p.target.isAttribute()
}

// resolve decides what a column is for.
func (m *Mapping) resolve(name string) columnPlan {
	if m == nil {
		m = &Mapping{}
	}
	key := fold(name)
	if key == "" {
		return columnPlan{name: name, use: useUnnamed}
	}
	p := columnPlan{name: name, transforms: m.transforms[key]}
	t, isTarget := m.columns[key]
	if !isTarget && !m.ignore[key] {
		t, isTarget = parseTarget(name)
	}
	switch {
	case isTarget:
		p.use, p.target = useTarget, t
	case m.ignore[key]:
		p.use = useIgnore
	case m.templateInputs[key]:
		p.use = useTemplateInput
	}
	return p
}
