// Package authentik is the part of authentik's API akimport needs (the official client cannot
// be used): wire types, a small HTTP client, and the classification of every answer.
package authentik

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// Pagination is every list answer's "pagination" (F-L1); Next and Previous are 0 when none.
type Pagination struct {
	Next       int `json:"next"`
	Previous   int `json:"previous"`
	Count      int `json:"count"`
	Current    int `json:"current"`
	TotalPages int `json:"total_pages"`
	StartIndex int `json:"start_index"`
	EndIndex   int `json:"end_index"`
}

// VersionInfo is GET /admin/version/ (F-V1).
type VersionInfo struct {
	VersionCurrent     string `json:"version_current"`
	VersionLatest      string `json:"version_latest"`
	VersionLatestValid bool   `json:"version_latest_valid"`
	BuildHash          string `json:"build_hash"`
	Outdated           bool   `json:"outdated"`
	OutpostOutdated    bool   `json:"outpost_outdated"`
}

// SessionUser is GET /core/users/me/ (F-V1): the token's user (groups as objects, not UUIDs).
type SessionUser struct {
	User struct {
		PK          int    `json:"pk"`
		Username    string `json:"username"`
		IsSuperuser bool   `json:"is_superuser"`
	} `json:"user"`
}

// EmailStage is one e-mail stage of GET /stages/email/ (F-R1).
type EmailStage struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
}

// Page is one page of a list (F-L1). Pagination.Next is 0 on the last page.
type Page[T any] struct {
	Pagination Pagination `json:"pagination"`
	Results    []T        `json:"results"`
}

// The lists akimport reads: GET core/users/, core/groups/ and stages/email/.
type (
	UserList       = Page[User]
	GroupList      = Page[Group]
	EmailStageList = Page[EmailStage]
)

// Detail is the {"detail": "..."} body of 403, 404, 415 and JSON parse errors (F-A2, F-A4).
type Detail struct {
	Detail string `json:"detail"`
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

// Version is an authentik release, e.g. 2026.5.1; a release candidate has its release's features.
type Version struct{ Year, Month, Patch int }

// The first releases that changed what akimport may send or meet (facts F-H1, F-R1, F-S1).
var (
	VersionPasswordHash = Version{2026, 5, 0} // POST core/users/{pk}/set_password_hash/
	VersionRecoveryBody = Version{2026, 2, 0} // recovery_email's stage in a JSON body, not the query
	VersionStarting503  = Version{2026, 8, 0} // the router answers 503 while starting
)

// ParseVersion reads "2026.5.1", "2025.10" or "v2026.2.0-rc1" (a suffix after - or + is ignored).
func ParseVersion(s string) (Version, error) {
	text := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(text, "-+ "); i >= 0 {
		text = text[:i]
	}
	parts := strings.Split(text, ".")
	bad := len(parts) < 2 || len(parts) > 3
	var nums [3]int
	for i := 0; i < len(parts) && !bad; i++ {
		var err error
		nums[i], err = strconv.Atoi(parts[i])
		bad = err != nil || nums[i] < 0
	}
	if bad {
		return Version{}, fmt.Errorf("authentik version %q: want year.month.patch, e.g. 2026.5.1", s)
	}
	return Version{nums[0], nums[1], nums[2]}, nil
}

// AtLeast reports whether v is o or newer.
func (v Version) AtLeast(o Version) bool {
	return cmp.Or(cmp.Compare(v.Year, o.Year), cmp.Compare(v.Month, o.Month), cmp.Compare(v.Patch, o.Patch)) >= 0
}

// Release names the release line, e.g. "2026.5", for messages about features.
func (v Version) Release() string { return fmt.Sprintf("%d.%d", v.Year, v.Month) }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Year, v.Month, v.Patch) }
