package importer

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// patchFor returns the fields of req that differ from the user authentik has, with the
// values to PATCH; empty means the user already is as the row describes. Only fields the row
// gives are compared. groups is a set (F-L2 replaces the whole set); attributes are merged
// into the user's own, so keys the row does not name are kept.
func patchFor(req *authentik.UserRequest, u *authentik.User) map[string]any {
	p := map[string]any{}
	if differs(req.Name, u.Name) {
		p["name"] = *req.Name
	}
	if differs(req.Email, u.Email) {
		p["email"] = *req.Email
	}
	if req.IsActive != nil && *req.IsActive != u.IsActive {
		p["is_active"] = *req.IsActive
	}
	if differs(req.Path, u.Path) {
		p["path"] = *req.Path
	}
	if differs(req.Type, u.Type) {
		p["type"] = *req.Type
	}
	if req.LastLogin != nil && !sameInstant(*req.LastLogin, u.LastLogin) {
		p["last_login"] = *req.LastLogin
	}
	if req.Groups != nil && !sameSet(req.Groups, u.Groups) {
		p["groups"] = req.Groups
	}
	if req.Attributes != nil {
		if merged, changed := mergeAttributes(u.Attributes, req.Attributes); changed {
			p["attributes"] = merged
		}
	}
	return p
}

// differs reports whether a text field the row gives differs from authentik's value, which
// authentik stores with surrounding white space trimmed (DRF's CharField).
func differs(want *string, have string) bool {
	return want != nil && strings.TrimSpace(*want) != have
}

// sameSet compares group UUIDs as sets, ignoring case and order.
func sameSet(a, b []string) bool {
	set := make(map[string]int, len(a))
	for _, x := range a {
		set[strings.ToLower(x)] = 1
	}
	seen := 0
	for _, x := range b {
		k := strings.ToLower(x)
		if v, ok := set[k]; !ok {
			return false
		} else if v == 1 {
			set[k] = 2
			seen++
		}
	}
	return seen == len(set)
}

func sameInstant(want string, have *string) bool {
	if have == nil {
		return false
	}
	a, okA := mapping.ParseDateTime(want)
	b, okB := mapping.ParseDateTime(*have)
	if okA && okB {
		return a.Equal(b)
	}
	return want == *have
}

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
