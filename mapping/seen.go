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
	usernames lineTable
	emails    lineTable
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen {
	return &Seen{seed: maphash.MakeSeed(), checkSeed: maphash.MakeSeed()}
}

// Check marks row invalid when its username was on an earlier valid row, and warns when its
// e-mail address (compared case-insensitively) was. Only valid rows are remembered: an
// invalid row is never created, so a later row with its username is not a duplicate.
func (s *Seen) Check(row *Row) {
	if row.Username != "" {
		if line, dup := s.usernames.find(s.hash(row.Username)); dup {
			row.Errors = errorsOf(row)
			row.Errors.Add("username", fmt.Sprintf("Duplicate username: same as line %d.", line))
			row.Request = nil
			row.GroupNames = nil
			row.Password = ""
		}
	}
	if !row.Valid() || row.Request == nil {
		return
	}
	s.usernames.add(s.hash(row.Request.Username), row.Line)
	if row.Request.Email == nil {
		return
	}
	email := strings.TrimSpace(*row.Request.Email)
	if email == "" {
		return
	}
	h := s.hash(strings.ToLower(email))
	if line, dup := s.emails.find(h); dup {
		row.Warnings = append(row.Warnings, fmt.Sprintf("duplicate email address: also on line %d", line))
		return
	}
	s.emails.add(h, row.Line)
}

// Len is the number of usernames remembered.
func (s *Seen) Len() int { return s.usernames.n }

func (s *Seen) hash(v string) slot {
	key := maphash.String(s.seed, v)
	if key == 0 {
		key = 1 // 0 marks an empty slot
	}
	return slot{key: key, check: uint32(maphash.String(s.checkSeed, v))}
}

func errorsOf(row *Row) authentik.FieldErrors {
	if row.Errors == nil {
		return make(authentik.FieldErrors, 1)
	}
	return row.Errors
}

// lineTable maps a hashed string to the first line it was on: open addressing with linear
// probing over 16-byte slots, so a lookup costs one cache miss and an entry ~20–40 bytes.
type lineTable struct {
	slots []slot // len is a power of two
	n     int
}

type slot struct {
	key   uint64 // 0: empty
	line  int32
	check uint32
}

// find returns the line of h, if a slot holds both its hashes.
func (t *lineTable) find(h slot) (int, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h.key & mask; ; i = (i + 1) & mask {
		switch s := t.slots[i]; {
		case s.key == 0:
			return 0, false
		case s.key == h.key && s.check == h.check:
			return int(s.line), true
		}
	}
}

// add remembers h on line unless it is there already (the first line is kept).
func (t *lineTable) add(h slot, line int) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	h.line = int32(min(line, 1<<31-1))
	mask := uint64(len(t.slots) - 1)
	for i := h.key & mask; ; i = (i + 1) & mask {
		switch s := t.slots[i]; {
		case s.key == 0:
			t.slots[i] = h
			t.n++
			return
		case s.key == h.key && s.check == h.check:
			return
		}
	}
}

func (t *lineTable) grow() {
	old := t.slots
	t.slots = make([]slot, max(1024, 2*len(old)))
	t.n = 0
	for _, s := range old {
		if s.key != 0 {
			t.add(s, int(s.line))
		}
	}
}
