package importer

import (
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// observed is a user as authentik has it, as far as the planner knows it: from the snapshot
// (digests of the fields, a few dozen bytes) or from a lookup (the whole user as well).
type observed struct {
	pk       int
	uuid     string
	username string
	active   bool
	// internal is an internal service account (authentik's outposts): never changed.
	internal bool
	sums     fieldSums
	// attrLeaves are digests of every leaf of the user's attributes (path and value), so a
	// row's attributes can be checked against them without the attributes themselves.
	attrLeaves []uint64
	// full is the whole user when a lookup found it; nil when known from the snapshot only.
	full *authentik.User
}

// fieldSums are digests of the fields a row can set, in the form authentik stores them.
type fieldSums struct {
	name, email, path, typ, lastLogin, groups uint64
}

// digestSeed makes the digests of one process comparable with each other (and only them).
var digestSeed = maphash.MakeSeed()

func sumText(s string) uint64 { return maphash.String(digestSeed, s) }

// sumLastLogin digests an instant, so "2024-01-02T03:04:00Z" and "2024-01-02 04:04+01:00"
// are equal as they are for authentik; nil (never logged in) is 0.
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

// sumGroups digests group UUIDs as a set: order and case do not matter.
func sumGroups(groups []string) uint64 {
	set := make([]string, len(groups))
	for i, g := range groups {
		set[i] = strings.ToLower(g)
	}
	slices.Sort(set)
	return sumText(strings.Join(slices.Compact(set), ","))
}

// observe makes the planner's view of a user returned by authentik.
func observe(u *authentik.User, keepFull bool) *observed {
	o := &observed{
		pk: u.PK, uuid: u.UUID, username: u.Username, active: u.IsActive,
		internal: u.Type == internalServiceAccount,
		sums: fieldSums{
			name: sumText(u.Name), email: sumText(u.Email), path: sumText(u.Path), typ: sumText(u.Type),
			lastLogin: sumLastLogin(u.LastLogin), groups: sumGroups(u.Groups),
		},
		attrLeaves: attributeLeaves(u.Attributes, nil),
	}
	slices.Sort(o.attrLeaves)
	if keepFull {
		o.full = u
	}
	return o
}

const internalServiceAccount = "internal_service_account"

// attributeLeaves appends a digest of each leaf of attrs (its key path and its value in
// JSON, numbers normalised) to out. An empty object is a leaf of its own.
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
		val, _ := json.Marshal(normalizeJSON(v))
		var h maphash.Hash
		h.SetSeed(digestSeed)
		h.Write(key)
		h.WriteByte(0)
		h.Write(val)
		out = append(out, h.Sum64())
	}
	for k, v := range attrs {
		walk([]string{k}, v)
	}
	return out
}
