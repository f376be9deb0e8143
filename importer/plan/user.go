// Package plan decides what happens to each user: which step a row, a leaver or an undo
// target needs, from what authentik holds and the run's policy. It is pure: it reads and
// writes nothing, so the real run and the dry run decide alike.
package plan

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// User is a user as authentik has it, as far as the plan knows: from the snapshot (digests
// of the fields) or from a read (the whole user as well).
type User struct {
	PK       int
	UUID     string
	Username string
	Active   bool
	// Superuser and InScope matter to deactivation; Internal users (outposts') are never changed.
	Superuser, InScope, Internal bool
	sums                         fieldSums
	groups                       []string // lower-case group UUIDs, sorted
	// attrLeaves digest every leaf of the attributes; nil with full == nil means unknown.
	attrLeaves []uint64
	full       *authentik.User
}

// fieldSums are digests of the fields a row can set, as authentik stores them.
type fieldSums struct{ name, email, path, typ, lastLogin uint64 }

var digestSeed = maphash.MakeSeed()

func sumText(s string) uint64 { return maphash.String(digestSeed, s) }

// sumLastLogin digests an instant, so equal times in other notations are equal; nil is 0.
func sumLastLogin(s *string) uint64 {
	if s == nil {
		return 0
	}
	if t, ok := mapping.ParseDateTime(*s); ok {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(t.UnixNano()))
		return maphash.Bytes(digestSeed, b[:]) | 1
	}
	return sumText(*s) | 1
}

// groupSet is a set of group UUIDs in one form: lower case, sorted, unique.
func groupSet(groups []string) []string {
	set := make([]string, len(groups))
	for i, g := range groups {
		set[i] = strings.ToLower(g)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

const internalServiceAccount = "internal_service_account"

// Observe is the plan's view of a user authentik returned whole. scope is --scope-path
// ("" = everywhere).
func Observe(u *authentik.User, scope string) *User {
	o := observe(u, scope)
	o.full = u
	return o
}

func observe(u *authentik.User, scope string) *User {
	o := &User{PK: u.PK, UUID: u.UUID, Username: u.Username, Active: u.IsActive, Superuser: u.IsSuperuser,
		InScope: InScope(u.Path, scope), Internal: u.Type == internalServiceAccount,
		sums: fieldSums{name: sumText(u.Name), email: sumText(u.Email), path: sumText(u.Path), typ: sumText(u.Type),
			lastLogin: sumLastLogin(u.LastLogin)},
		groups: groupSet(u.Groups), attrLeaves: attributeLeaves(u.Attributes, nil)}
	slices.Sort(o.attrLeaves)
	return o
}

// Full is the whole user when it was read whole; nil when known from a snapshot.
func (u *User) Full() *authentik.User { return u.full }

// InScope reports whether an authentik path is scope or below it ("" is every path).
// path_startswith is a plain prefix (users/staff matches users/staffing): check here.
func InScope(path, scope string) bool {
	return scope == "" || path == scope || strings.HasPrefix(path, scope+"/")
}
