package mapping

import (
	"errors"
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

// parseTarget reads a field name or an "attributes.<key>" name (dots nest).
func parseTarget(name string) (target, error) {
	if f, ok := fieldByName(name); ok {
		return target{field: f, name: name}, nil
	}
	key, ok := strings.CutPrefix(name, attributesPrefix)
	if !ok {
		return target{}, errNotATarget
	}
	path := strings.Split(key, ".")
	for _, seg := range path {
		if seg == "" {
			return target{}, errNotATarget
		}
	}
	return target{field: fieldAttributes, attrPath: path, name: name}, nil
}

// acceptedFields lists what a column may be called, for error messages.
func acceptedFields() string {
	return strings.Join(fieldNames[:], ", ") + ", attributes.<key>"
}
