package mapping

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// transform is one step of a column's transforms; an error is a value it cannot take.
type transform func(string) (string, error)

type transformMaker func(arg any) (transform, error)

// transformMakers are the transforms a mapping file may list: a name alone (trim), or a
// one-key map of the name and its argument ({split: "|"}).
var transformMakers = map[string]transformMaker{
	"trim":  plain(strings.TrimSpace),
	"lower": plain(strings.ToLower),
	"upper": plain(strings.ToUpper),
	// replace: {old: new, …}, longer olds first.
	"replace": func(arg any) (transform, error) {
		m, err := argMap(arg)
		if err != nil {
			return nil, err
		}
		olds := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
		if olds[len(olds)-1] == "" {
			return nil, errors.New("an empty text to replace")
		}
		pairs := make([]string, 0, 2*len(olds))
		for _, o := range olds {
			pairs = append(pairs, o, m[o])
		}
		return total(strings.NewReplacer(pairs...).Replace), nil
	},
	// split: the value is a list with this separator; it becomes the groups list (";").
	"split": listMaker(true),
	// join: the groups list (";") becomes text with this separator.
	"join": listMaker(false),
	// map: {A: true, I: false}: a value found is replaced, others are kept.
	"map": func(arg any) (transform, error) {
		m, err := argMap(arg)
		return total(func(s string) string {
			if v, ok := m[s]; ok {
				return v
			}
			return s
		}), err
	},
	// default: the value of an empty cell.
	"default": func(arg any) (transform, error) {
		d, err := argText(arg)
		return total(func(s string) string { return cmp.Or(s, d) }), err
	},
	"date": dateMaker,
}

func plain(f func(string) string) transformMaker {
	return func(arg any) (transform, error) {
		if arg != nil {
			return nil, errors.New("takes no argument")
		}
		return total(f), nil
	}
}

// total is a transform that takes any value.
func total(f func(string) string) transform {
	return func(s string) (string, error) { return f(s), nil }
}

// listMaker splits on one separator and joins the trimmed, non-empty items with another:
// split turns the argument's separator into the groups list's ";", join the other way round.
func listMaker(split bool) transformMaker {
	return func(arg any) (transform, error) {
		sep, err := argText(arg)
		if err != nil || sep == "" {
			return nil, errors.New("needs a separator, e.g. \"|\"")
		}
		from, to := sep, ";"
		if !split {
			from, to = to, from
		}
		return total(func(s string) string {
			var items []string
			for item := range strings.SplitSeq(s, from) {
				if item = strings.TrimSpace(item); item != "" {
					items = append(items, item)
				}
			}
			return strings.Join(items, to)
		}), nil
	}
}

// compileTransform reads one entry of a column's transforms.
func compileTransform(spec any) (transform, error) {
	name, arg := "", any(nil)
	switch s := spec.(type) {
	case string:
		name = s
	case map[string]any:
		for k, v := range s {
			name, arg = k, v
		}
		if len(s) != 1 {
			return nil, errors.New("a transform with an argument is a map of one key, e.g. {split: \"|\"}")
		}
	default:
		return nil, fmt.Errorf("%v is not a transform", spec)
	}
	maker, ok := transformMakers[name]
	if !ok {
		return nil, fmt.Errorf("unknown transform %q; known: %s", name, strings.Join(slices.Sorted(maps.Keys(transformMakers)), ", "))
	}
	t, err := maker(arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// argText reads a scalar argument as text.
func argText(arg any) (string, error) {
	switch arg.(type) {
	case nil:
		return "", errors.New("needs a value")
	case map[string]any, []any:
		return "", errors.New("needs a single value, not a list or map")
	}
	return fmt.Sprint(arg), nil
}

// argMap reads a map argument of scalars as text.
func argMap(arg any) (map[string]string, error) {
	in, ok := arg.(map[string]any)
	if keys, ok2 := arg.(map[any]any); ok2 { // YAML keys that are not all text, e.g. {1: true}
		in, ok = make(map[string]any, len(keys)), true
		for k, v := range keys {
			in[fmt.Sprint(k)] = v
		}
	}
	if !ok || len(in) == 0 {
		return nil, errors.New("needs a map, e.g. {A: true, I: false}")
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		text, err := argText(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = text
	}
	return out, nil
}

// dateLayout turns a layout such as dd.mm.yyyy or mm/dd/yy hh:mm:ss into Go's, which reads
// one-digit days and months too.
var dateLayout = strings.NewReplacer("hh:mm", "15:4", "yyyy", "2006", "yy", "06", "dd", "2", "mm", "1", "hh", "15", "ss", "5", "t", "T")

// dateMaker reads dates in a layout (dd, mm, yyyy or yy, hh, mm after "hh:" for minutes,
// ss; separators . - / : , space T; any case) into ISO 8601: 2024-12-31T00:00:00Z.
func dateMaker(arg any) (transform, error) {
	layout, err := argText(arg)
	if err != nil {
		return nil, err
	}
	l := strings.ToLower(layout)
	gl := dateLayout.Replace(l)
	bad := strings.IndexFunc(l, func(r rune) bool { return !strings.ContainsRune("ydmhs .,-/:t", r) })
	if bad >= 0 || strings.ContainsAny(gl, "ydmhs") {
		return nil, fmt.Errorf("layout %q: unknown %q; use dd, mm, yyyy or yy, hh, mm (minutes, after hh:), ss and the separators . - / : , space T", layout, l[max(bad, 0):max(bad, 0)+1])
	}
	if !strings.Contains(l, "dd") || !strings.Contains(l, "yy") || strings.Count(l, "mm") == strings.Count(l, "hh:mm") {
		return nil, fmt.Errorf("layout %q needs a day (dd), a month (mm) and a year (yyyy or yy)", layout)
	}
	return func(s string) (string, error) {
		if s = strings.TrimSpace(s); s == "" {
			return "", nil
		}
		t, err := time.Parse(gl, s)
		if err != nil {
			return "", fmt.Errorf("not a date in the layout %s", layout)
		}
		return t.Format(time.RFC3339), nil
	}, nil
}
