package importer

import (
	"encoding/json"
	"reflect"
	"sort"
)

// mergeAttributes deep-merges given into have and reports whether that changed anything.
// Values are compared in their JSON form, so 1 and 1.0 are equal as they are for authentik.
func mergeAttributes(have, given map[string]any) (map[string]any, bool) {
	merged := normalizeJSON(have)
	m, _ := merged.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	g, _ := normalizeJSON(given).(map[string]any)
	changed := mergeInto(m, g)
	return m, changed
}

func mergeInto(dst, src map[string]any) bool {
	changed := false
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if dsub, ok := dst[k].(map[string]any); ok {
				if mergeInto(dsub, sub) {
					changed = true
				}
				continue
			}
		}
		if old, ok := dst[k]; !ok || !reflect.DeepEqual(old, v) {
			dst[k] = v
			changed = true
		}
	}
	return changed
}

// normalizeJSON gives v the shape encoding/json decodes into (float64 numbers, fresh maps),
// so values from a CSV cell, a JSONL line and an API answer compare equal.
func normalizeJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
