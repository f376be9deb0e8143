package mapping

import (
	"errors"
	"fmt"
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

func (f field) String() string { return fieldNames[f] }

// fieldByName finds a field by its column name.
func fieldByName(name string) (field, bool) {
	for f, n := range fieldNames {
		if n == name {
			return field(f), true
		}
	}
	return 0, false
}

const attributesPrefix = "attributes."

// target is where an input value goes: a field, or a key inside attributes.
type target struct {
	field field
	// attrPath is set for an "attributes.<key>" target: the key's dotted segments.
	attrPath []string
	// name is the target as written: "email", "attributes.address.city".
	name string
}

func (t target) isAttribute() bool { return t.attrPath != nil }

var errNotATarget = errors.New("not a field")

// fold is how column names compare: case-insensitively, surrounding spaces ignored.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// parseTarget reads a field name or an "attributes.<key>" name (dots nest; the key keeps its case).
func parseTarget(name string) (target, error) {
	if f, ok := fieldByName(fold(name)); ok {
		return target{field: f, name: f.String()}, nil
	}
	name = strings.TrimSpace(name)
	if len(name) <= len(attributesPrefix) || !strings.EqualFold(name[:len(attributesPrefix)], attributesPrefix) {
		return target{}, errNotATarget
	}
	path := strings.Split(name[len(attributesPrefix):], ".")
	for _, seg := range path {
		if seg == "" {
			return target{}, errNotATarget
		}
	}
	return target{field: fieldAttributes, attrPath: path, name: attributesPrefix + name[len(attributesPrefix):]}, nil
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
