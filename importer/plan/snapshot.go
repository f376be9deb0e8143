package plan

import (
	"encoding/hex"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// Snapshot is authentik's users read once (every user, or the --scope-path subtree), kept as
// a compact index: digests of the fields, not the fields (`make bench` measures the bytes
// per user), so every row is decided locally.
type Snapshot struct {
	index    map[uint64]int32 // username digest → entry
	overflow map[string]int32 // usernames whose digest another username has
	entries  []snapEntry
	names    []byte   // usernames, back to back
	leaves   []uint64 // attribute leaf digests, each entry's sorted run
	groups   []uint16 // each entry's groups, as indexes into groupIDs
	groupIDs []string
	groupIdx map[string]uint16
	emails   map[uint64]int32 // e-mail digest → first holder; dry run only
	oddUUIDs map[int32]string // uuids that are not canonical UUIDs
	// Scope is --scope-path: "" means every user was read.
	Scope string
}

type snapEntry struct {
	pk       int64
	uuid     [16]byte
	sums     fieldSums
	nameOff  uint32
	leafOff  uint32
	groupOff uint32
	nameLen  uint16
	leafN    uint16
	groupN   uint16
	flags    uint8
}

const (
	flagActive = 1 << iota
	flagInternal
	flagInScope
	flagSuperuser
	flagNoLeaves // too many attribute leaves to keep: attributes are read when needed
)

func flag(on bool, bit uint8) uint8 {
	if on {
		return bit
	}
	return 0
}

// NewSnapshot starts an index for about sizeHint users; withEmails keeps the e-mail index
// the dry run's duplicate-address warning needs.
func NewSnapshot(scope string, sizeHint int, withEmails bool) *Snapshot {
	s := &Snapshot{index: make(map[uint64]int32, sizeHint), entries: make([]snapEntry, 0, sizeHint),
		names: make([]byte, 0, sizeHint*12), groupIdx: map[string]uint16{}, Scope: scope}
	if withEmails {
		s.emails = make(map[uint64]int32, sizeHint)
	}
	return s
}

// Add indexes a user; a username seen again (pages shift while users are created) replaces
// the earlier entry.
func (s *Snapshot) Add(u *authentik.User) {
	o := observe(u, s.Scope)
	e := snapEntry{pk: int64(u.PK), sums: o.sums, nameOff: uint32(len(s.names)),
		nameLen: uint16(min(len(u.Username), 1<<16-1)), groupOff: uint32(len(s.groups))}
	e.flags = flag(o.Active, flagActive) | flag(o.Internal, flagInternal) | flag(o.InScope, flagInScope) | flag(o.Superuser, flagSuperuser)
	if len(o.attrLeaves) < 1<<16 {
		e.leafOff, e.leafN = uint32(len(s.leaves)), uint16(len(o.attrLeaves))
		s.leaves = append(s.leaves, o.attrLeaves...)
	} else {
		e.flags |= flagNoLeaves
	}
	for _, g := range o.groups {
		i, ok := s.groupIdx[g]
		if !ok {
			i = uint16(len(s.groupIDs))
			s.groupIdx[g] = i
			s.groupIDs = append(s.groupIDs, g)
		}
		s.groups = append(s.groups, i)
	}
	e.groupN = uint16(len(o.groups))
	idx := s.find(u.Username)
	if idx < 0 {
		idx = int32(len(s.entries))
		s.entries = append(s.entries, snapEntry{})
		key := maphash.String(digestSeed, u.Username)
		if _, taken := s.index[key]; taken {
			if s.overflow == nil {
				s.overflow = map[string]int32{}
			}
			s.overflow[u.Username] = idx
		} else {
			s.index[key] = idx
		}
	}
	s.names = append(s.names, u.Username[:e.nameLen]...)
	if b, ok := parseUUID(u.UUID); ok {
		e.uuid = b
	} else {
		if s.oddUUIDs == nil {
			s.oddUUIDs = map[int32]string{}
		}
		s.oddUUIDs[idx] = u.UUID
	}
	s.entries[idx] = e
	if s.emails != nil && u.Email != "" {
		if key := sumText(strings.ToLower(u.Email)); s.emails[key] == 0 {
			s.emails[key] = idx + 1
		}
	}
}

// EmailHolder names a user other than username with this address (case-insensitive), or "".
func (s *Snapshot) EmailHolder(email, username string) string {
	if idx := s.emails[sumText(strings.ToLower(email))] - 1; idx >= 0 && s.name(idx) != username {
		return s.name(idx)
	}
	return ""
}

func (s *Snapshot) find(username string) int32 {
	if idx, ok := s.index[maphash.String(digestSeed, username)]; ok && s.name(idx) == username {
		return idx
	}
	if idx, ok := s.overflow[username]; ok {
		return idx
	}
	return -1
}

func (s *Snapshot) name(idx int32) string {
	e := &s.entries[idx]
	return string(s.names[e.nameOff : e.nameOff+uint32(e.nameLen)])
}

// Get is the user named username, nil when the snapshot does not hold one.
func (s *Snapshot) Get(username string) *User {
	if idx := s.find(username); idx >= 0 {
		return s.user(idx)
	}
	return nil
}

func (s *Snapshot) user(idx int32) *User {
	e := &s.entries[idx]
	u := &User{PK: int(e.pk), UUID: s.uuid(idx), Username: s.name(idx), Active: e.flags&flagActive != 0,
		Internal: e.flags&flagInternal != 0, InScope: e.flags&flagInScope != 0, Superuser: e.flags&flagSuperuser != 0,
		sums: e.sums, groups: make([]string, e.groupN)}
	for i, g := range s.groups[e.groupOff : e.groupOff+uint32(e.groupN)] {
		u.groups[i] = s.groupIDs[g]
	}
	if e.flags&flagNoLeaves == 0 {
		u.attrLeaves = s.leaves[e.leafOff : e.leafOff+uint32(e.leafN) : e.leafOff+uint32(e.leafN)]
	}
	return u
}

// Len is the number of users held.
func (s *Snapshot) Len() int { return len(s.entries) }

// Each calls fn for every user held, in username order.
func (s *Snapshot) Each(fn func(*User)) {
	order := make([]int32, len(s.entries))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(s.name(a), s.name(b)) })
	for _, i := range order {
		fn(s.user(i))
	}
}

func (s *Snapshot) uuid(idx int32) string {
	if odd, ok := s.oddUUIDs[idx]; ok {
		return odd
	}
	b := s.entries[idx].uuid
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// parseUUID reads a canonical (lower-case, dashed) UUID; anything else is kept as text.
func parseUUID(s string) ([16]byte, bool) {
	var b [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || strings.ToLower(s) != s {
		return b, false
	}
	_, err := hex.Decode(b[:], []byte(s[0:8]+s[9:13]+s[14:18]+s[19:23]+s[24:36]))
	return b, err == nil
}
