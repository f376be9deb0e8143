// Package authentik is authentik's users API as seen from Go: the few wire types akimport
// needs (defined here because the official client cannot be used), a small HTTP client,
// and the classification of every answer into created, rejected, fatal or transient.
package authentik

import (
	"maps"
	"slices"
	"strings"
)

// UserRequest is the body of POST /api/v3/core/users/. A nil pointer or nil slice/map is a
// field that is not sent, so authentik's default applies (an empty input cell maps to nil).
type UserRequest struct {
	Username   string         `json:"username"`
	Name       *string        `json:"name,omitempty"`
	IsActive   *bool          `json:"is_active,omitempty"`
	LastLogin  *string        `json:"last_login,omitempty"`
	Groups     []string       `json:"groups,omitempty"`
	Email      *string        `json:"email,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	Path       *string        `json:"path,omitempty"`
	Type       *string        `json:"type,omitempty"`
}

// User is authentik's user as returned by create, retrieve, list and patch (F-U1).
type User struct {
	PK          int            `json:"pk"`
	UUID        string         `json:"uuid"`
	Username    string         `json:"username"`
	Name        string         `json:"name"`
	IsActive    bool           `json:"is_active"`
	LastLogin   *string        `json:"last_login"`
	IsSuperuser bool           `json:"is_superuser"`
	Groups      []string       `json:"groups"`
	GroupsObj   []Group        `json:"groups_obj"`
	Email       string         `json:"email"`
	Avatar      string         `json:"avatar"`
	Attributes  map[string]any `json:"attributes"`
	UID         string         `json:"uid"`
	Path        string         `json:"path"`
	Type        string         `json:"type"`
}

// Group is authentik's group as listed by GET /core/groups/ (F-L4) and in groups_obj.
type Group struct {
	PK          string         `json:"pk"`
	NumPK       int            `json:"num_pk"`
	Name        string         `json:"name"`
	IsSuperuser bool           `json:"is_superuser"`
	Parent      *string        `json:"parent"`
	ParentName  *string        `json:"parent_name"`
	Attributes  map[string]any `json:"attributes"`
}

// Pagination is the "pagination" object of every list answer (F-L1). Next and Previous are
// page numbers, 0 when there is none.
type Pagination struct {
	Next       int `json:"next"`
	Previous   int `json:"previous"`
	Count      int `json:"count"`
	Current    int `json:"current"`
	TotalPages int `json:"total_pages"`
	StartIndex int `json:"start_index"`
	EndIndex   int `json:"end_index"`
}

// UserList is one page of GET /core/users/.
type UserList struct {
	Pagination Pagination `json:"pagination"`
	Results    []User     `json:"results"`
}

// GroupList is one page of GET /core/groups/.
type GroupList struct {
	Pagination Pagination `json:"pagination"`
	Results    []Group    `json:"results"`
}

// Detail is the {"detail": "..."} body of 403, 404, 415 and JSON parse errors (F-A2, F-A4).
type Detail struct {
	Detail string `json:"detail"`
}

// PasswordRequest is the body of POST /core/users/{pk}/set_password/ (F-L3).
type PasswordRequest struct {
	Password string `json:"password"`
}

// NonFieldErrors is the key authentik uses for errors that belong to no field (F-A4).
const NonFieldErrors = "non_field_errors"

// FieldErrors is a 400 validation body: one key per field, each a list of messages (F-U2).
// Package mapping's checks produce it with authentik's wording.
type FieldErrors map[string][]string

// Add appends a message for field.
func (fe FieldErrors) Add(field, msg string) { fe[field] = append(fe[field], msg) }

// String renders the report's error cell: "email: Enter a valid email address.; username:
// This field may not be blank." (fields sorted; errors of no field without a prefix).
func (fe FieldErrors) String() string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(fe)) {
		prefix := f + ": "
		if f == NonFieldErrors {
			prefix = ""
		}
		for _, m := range fe[f] {
			parts = append(parts, prefix+m)
		}
	}
	return strings.Join(parts, "; ")
}
