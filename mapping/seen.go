package mapping

import (
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// Seen remembers the usernames and e-mail addresses of the rows read so far, to catch a
// username twice in one file (authentik would create the first and refuse, or with concurrent
// creates answer 500 for, the second) and to warn about shared e-mail addresses.
//
// It keeps 12 bytes of hashes and a line number per entry, not the strings: a million
// usernames cost tens of MiB, not hundreds. Two different usernames are taken for the same
// one only if both a 64-bit and an independent 32-bit hash collide (about 1 in 10^19 per pair).
type Seen struct {
	seed      maphash.Seed
	checkSeed maphash.Seed
	usernames map[uint64]seenEntry
	emails    map[uint64]seenEntry
}

type seenEntry struct {
	line  int32
	check uint32
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen {
	return &Seen{
		seed:      maphash.MakeSeed(),
		checkSeed: maphash.MakeSeed(),
		usernames: make(map[uint64]seenEntry),
		emails:    make(map[uint64]seenEntry),
	}
}

// Check marks row invalid when its username was on an earlier valid row, and warns when its
// e-mail address (compared case-insensitively) was. Only valid rows are remembered: an
// invalid row is never created, so a later row with its username is not a duplicate.
func (s *Seen) Check(row *Row) {
	var user hashes
	firstUse := true
	if row.Username != "" {
		user = s.hash(row.Username)
		if e, taken := s.usernames[user.key]; taken {
			firstUse = false
			if e.check == user.check {
				row.Errors = errorsOf(row)
				row.Errors.Add("username", fmt.Sprintf("Duplicate username: same as line %d.", e.line))
				row.Request = nil
				row.GroupNames = nil
				row.Password = ""
			}
		}
	}
	if !row.Valid() || row.Request == nil {
		return
	}
	if row.Request.Username != row.Username { // not possible for a valid row; stay correct anyway
		user = s.hash(row.Request.Username)
		_, taken := s.usernames[user.key]
		firstUse = !taken
	}
	if firstUse {
		s.usernames[user.key] = seenEntry{line: lineOf(row), check: user.check}
	}
	if row.Request.Email == nil {
		return
	}
	email := strings.TrimSpace(*row.Request.Email)
	if email == "" {
		return
	}
	email = strings.ToLower(email)
	h := s.hash(email)
	e, taken := s.emails[h.key]
	switch {
	case !taken:
		s.emails[h.key] = seenEntry{line: lineOf(row), check: h.check}
	case e.check == h.check:
		row.Warnings = append(row.Warnings, fmt.Sprintf("duplicate email address: also on line %d", e.line))
	}
}

// Len is the number of usernames remembered.
func (s *Seen) Len() int { return len(s.usernames) }

type hashes struct {
	key   uint64
	check uint32
}

func (s *Seen) hash(v string) hashes {
	return hashes{key: maphash.String(s.seed, v), check: uint32(maphash.String(s.checkSeed, v))}
}

func lineOf(row *Row) int32 { return int32(min(row.Line, 1<<31-1)) }

func errorsOf(row *Row) authentik.FieldErrors {
	if row.Errors == nil {
		return make(authentik.FieldErrors, 1)
	}
	return row.Errors
}
