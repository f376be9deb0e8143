package plan

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math/big"
	"sort"
)

// mergeAttributes merges the row's attributes into the user's and reports whether anything
// changed. Every value the row does not change is kept exactly as authentik gave it
// (json.Number keeps integers beyond 2^53), since a PATCH replaces the whole object (F-L2).
func mergeAttributes(have, given map[string]any) (map[string]any, bool) {
	merged, _ := copyJSON(have).(map[string]any)
	if merged == nil {
		merged = map[string]any{}
	}
	return merged, mergeInto(merged, given)
}

func mergeInto(dst, src map[string]any) bool {
	changed := false
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if dsub, ok := dst[k].(map[string]any); ok {
				changed = mergeInto(dsub, sub) || changed
				continue
			}
		}
		if old, ok := dst[k]; !ok || !equalJSON(old, v) {
			dst[k] = copyJSON(v)
			changed = true
		}
	}
	return changed
}

// copyJSON copies maps and slices so a merge never changes the user it read.
func copyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, sub := range t {
			m[k] = copyJSON(sub)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, sub := range t {
			s[i] = copyJSON(sub)
		}
		return s
	}
	return v
}

// equalJSON compares decoded JSON values as authentik does: numbers by value (1 == 1.0).
func equalJSON(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.Cmp(y) == 0
	}
	switch t := a.(type) {
	case map[string]any:
		u, ok := b.(map[string]any)
		if !ok || len(t) != len(u) {
			return false
		}
		for k, v := range t {
			if w, ok := u[k]; !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		u, ok := b.([]any)
		if !ok || len(t) != len(u) {
			return false
		}
		for i := range t {
			if !equalJSON(t[i], u[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// number reads any JSON number form as an exact rational.
func number(v any) (*big.Rat, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = string(t)
	case float64, float32, int, int64, uint64:
		s = fmt.Sprint(t)
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// attributeLeaves appends a digest of each leaf of attrs (its key path and its value) to
// out, so a snapshot can vouch for a row's attributes without holding them.
func attributeLeaves(attrs map[string]any, out []uint64) []uint64 {
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			for k, sub := range m {
				walk(append(path, k), sub)
			}
			return
		}
		key, _ := json.Marshal(path)
		var h maphash.Hash
		h.SetSeed(digestSeed)
		h.Write(key)
		h.WriteByte(0)
		writeCanonical(&h, v)
		out = append(out, h.Sum64())
	}
	for k, v := range attrs {
		walk([]string{k}, v)
	}
	return out
}

// writeCanonical writes v so that values equalJSON finds equal write the same bytes.
func writeCanonical(h *maphash.Hash, v any) {
	if r, ok := number(v); ok {
		h.WriteString("n" + r.RatString())
		return
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.WriteByte('{')
		for _, k := range keys {
			b, _ := json.Marshal(k)
			h.Write(b)
			writeCanonical(h, t[k])
		}
		h.WriteByte('}')
	case []any:
		h.WriteByte('[')
		for _, sub := range t {
			writeCanonical(h, sub)
			h.WriteByte(',')
		}
		h.WriteByte(']')
	default:
		b, _ := json.Marshal(t)
		h.Write(b)
	}
}
