package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// field is one of authentik's create fields (plus password, which is set after the create).
type field int

const (
	fieldUsername field = iota
	fieldName
	fieldEmail
	fieldIsActive
	fieldPath
	fieldType
	fieldGroups
	fieldAttributes
	fieldLastLogin
	fieldPassword
	fieldPasswordHash
	numFields
)

// fieldNames are the input column names, in the order the design lists them.
var fieldNames = [numFields]string{
	"username", "name", "email", "is_active", "path", "type",
	"groups", "attributes", "last_login", "password", "password_hash",
}

const attributesPrefix = "attributes."

// target is where an input value goes: a field, or a key inside attributes.
type target struct {
	field    field
	attrPath []string // set for an "attributes.<key>" target: the key's dotted segments
	name     string   // the target as written: "email", "attributes.address.city"
}

func (t target) isAttribute() bool { return t.attrPath != nil }

// fold is how column names compare: case-insensitively, surrounding spaces ignored.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// parseTarget reads a field name or an "attributes.<key>" name (dots nest; the key keeps its case).
func parseTarget(name string) (target, bool) {
	if f := slices.Index(fieldNames[:], fold(name)); f >= 0 {
		return target{field: field(f), name: fieldNames[f]}, true
	}
	name = strings.TrimSpace(name)
	key := name[min(len(attributesPrefix), len(name)):]
	path := strings.Split(key, ".")
	if !strings.EqualFold(name[:len(name)-len(key)], attributesPrefix) || slices.Contains(path, "") {
		return target{}, false
	}
	return target{field: fieldAttributes, attrPath: path, name: attributesPrefix + key}, true
}

// didYouMean suggests the candidate closest to name (already folded), if one is close.
func didYouMean(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(name, fold(c))
		if len(name) >= 4 && strings.Contains(fold(c), name) {
			d = 1
		}
		if d < bestDist && d < len(name) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range ra {
		cur := make([]int, len(rb)+1)
		cur[0] = i + 1
		for j := range rb {
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j]+cost, prev[j+1]+1, cur[j]+1)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// acceptedFields lists what a column may be called, for error messages.
func acceptedFields() string {
	return strings.Join(fieldNames[:], ", ") + ", attributes.<key>"
}
