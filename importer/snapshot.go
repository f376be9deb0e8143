package importer

import (
	"encoding/hex"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// snapshot is authentik's users read once (every user, or the --scope-path subtree), kept
// as a compact index so that every row is decided locally instead of by a lookup each:
// digests of the fields, not the fields (see entrySize; `make bench` measures the bytes
// per user). A user it does not hold is still found: a create that answers "This field must
// be unique." is followed by a lookup.
type snapshot struct {
	index map[uint64]int32 // username digest → entry
	// overflow holds the usernames whose digest another username already has.
	overflow map[string]int32
	entries  []snapEntry
	names    []byte   // usernames, back to back
	leaves   []uint64 // attribute leaf digests, each entry's sorted run
	// emails maps e-mail digests (lower case) to the first user with that address; kept
	// only for the dry run's duplicate e-mail warnings.
	emails map[uint64]int32
	// oddUUIDs keeps uuids that are not 36-character UUIDs (never seen from authentik).
	oddUUIDs map[int32]string
	scope    string // "" = every user
}

// snapEntry is one user in about 90 bytes.
type snapEntry struct {
	pk      int64
	uuid    [16]byte
	sums    fieldSums
	nameOff uint32
	leafOff uint32
	nameLen uint16
	leafN   uint16
	flags   uint8
}

const (
	flagActive   = 1 << iota
	flagInternal // an internal service account: never changed
	flagInScope  // under --scope-path itself (path_startswith also matches users/staffing)
	flagNamed    // a row of the file names this user (deactivation spares it)
	flagNoLeaves // too many attribute leaves to keep: attributes are read when needed
)

func newSnapshot(scope string, sizeHint int) *snapshot {
	return &snapshot{
		index:   make(map[uint64]int32, sizeHint),
		entries: make([]snapEntry, 0, sizeHint),
		names:   make([]byte, 0, sizeHint*12),
		scope:   scope,
	}
}

func usernameKey(username string) uint64 { return maphash.String(digestSeed, username) }

// add indexes a user; a username seen again (a page shifted while users were created)
// replaces the earlier entry.
func (s *snapshot) add(u *authentik.User) {
	o := observe(u, false)
	e := snapEntry{pk: int64(u.PK), sums: o.sums, nameOff: uint32(len(s.names)), nameLen: uint16(min(len(u.Username), 1<<16-1))}
	if u.IsActive {
		e.flags |= flagActive
	}
	if o.internal {
		e.flags |= flagInternal
	}
	if s.scope == "" || inScope(u.Path, s.scope) {
		e.flags |= flagInScope
	}
	if len(o.attrLeaves) < 1<<16 {
		e.leafOff, e.leafN = uint32(len(s.leaves)), uint16(len(o.attrLeaves))
		s.leaves = append(s.leaves, o.attrLeaves...)
	} else {
		e.flags |= flagNoLeaves
	}
	idx := s.find(u.Username)
	if idx < 0 {
		idx = int32(len(s.entries))
		s.entries = append(s.entries, snapEntry{})
		key := usernameKey(u.Username)
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
		key := sumText(strings.ToLower(u.Email))
		if _, ok := s.emails[key]; !ok {
			s.emails[key] = idx
		}
	}
}

// emailHolders names a user other than username with this e-mail address (case-insensitive).
func (s *snapshot) emailHolders(email, username string) []string {
	idx, ok := s.emails[sumText(strings.ToLower(email))]
	if !ok || s.name(idx) == username {
		return nil
	}
	return []string{s.name(idx)}
}

// find is the entry of username, -1 when the snapshot has no such user.
func (s *snapshot) find(username string) int32 {
	if idx, ok := s.index[usernameKey(username)]; ok && s.name(idx) == username {
		return idx
	}
	if idx, ok := s.overflow[username]; ok {
		return idx
	}
	return -1
}

func (s *snapshot) name(idx int32) string {
	e := &s.entries[idx]
	return string(s.names[e.nameOff : e.nameOff+uint32(e.nameLen)])
}

// get is the planner's view of username, nil when the snapshot does not hold it.
func (s *snapshot) get(username string) *observed {
	idx := s.find(username)
	if idx < 0 {
		return nil
	}
	return s.observed(idx)
}

func (s *snapshot) observed(idx int32) *observed {
	e := &s.entries[idx]
	o := &observed{pk: int(e.pk), uuid: s.uuid(idx), username: s.name(idx), active: e.flags&flagActive != 0,
		internal: e.flags&flagInternal != 0, sums: e.sums}
	if e.flags&flagNoLeaves != 0 {
		o.attrLeaves = nil // nothing vouched for: any attributes send the planner to read the user
	} else {
		o.attrLeaves = s.leaves[e.leafOff : e.leafOff+uint32(e.leafN) : e.leafOff+uint32(e.leafN)]
	}
	return o
}

// markNamed notes that a row names username: deactivation spares that user.
func (s *snapshot) markNamed(username string) {
	if idx := s.find(username); idx >= 0 {
		s.entries[idx].flags |= flagNamed
	}
}

// unnamedActive lists the active users in scope that no row named, by username, for
// --deactivate-missing; inScope counts the active users in scope. authentik's own
// outpost accounts are never listed.
func (s *snapshot) unnamedActive() (candidates []*observed, activeInScope int) {
	for i := range s.entries {
		e := &s.entries[i]
		if e.flags&flagActive == 0 || e.flags&flagInScope == 0 || e.flags&flagInternal != 0 {
			continue
		}
		activeInScope++
		if e.flags&flagNamed == 0 {
			candidates = append(candidates, s.observed(int32(i)))
		}
	}
	slices.SortFunc(candidates, func(a, b *observed) int { return strings.Compare(a.username, b.username) })
	return candidates, activeInScope
}

func (s *snapshot) len() int { return len(s.entries) }

func (s *snapshot) uuid(idx int32) string {
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
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return b, false
	}
	return b, true
}

// inScope reports whether an authentik path is the scope or below it.
func inScope(path, scope string) bool {
	return path == scope || strings.HasPrefix(path, scope+"/")
}
