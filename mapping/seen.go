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
// It keeps a 64-bit hash and the line number per entry, not the strings, in two in-memory
// tables (lineTable): about 17 bytes per username and per e-mail address, so 34 MiB for a
// file of a million rows. Two different usernames are taken for the same one only if their
// 64-bit hashes collide: about 1 in 3·10^7 for a whole file of a million rows.
type Seen struct {
	seed      maphash.Seed
	usernames shardedTable
	emails    shardedTable
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen {
	return &Seen{seed: maphash.MakeSeed()}
}

// Check marks row invalid when its username was on an earlier valid row, and warns when its
// e-mail address (compared case-insensitively) was. Only valid rows are remembered: an
// invalid row is never created, so a later row with its username is not a duplicate.
// The error is always nil since the set moved from a temporary file to memory; the signature
// is kept so that callers need not change.
func (s *Seen) Check(row *Row) error {
	if row.Valid() && row.Request != nil && row.Username == row.Request.Username {
		// The common case: one probe both looks the username up and remembers it.
		if line, dup := s.usernames.findOrAdd(s.hash(row.Username), row.Line); dup {
			markDuplicate(row, line)
			return nil
		}
	} else {
		if row.Username != "" {
			if line, dup := s.usernames.find(s.hash(row.Username)); dup {
				markDuplicate(row, line)
			}
		}
		if !row.Valid() || row.Request == nil {
			return nil
		}
		s.usernames.findOrAdd(s.hash(row.Request.Username), row.Line)
	}
	if row.Request.Email == nil {
		return nil
	}
	email := strings.TrimSpace(*row.Request.Email)
	if email == "" {
		return nil
	}
	if line, dup := s.emails.findOrAdd(s.hash(strings.ToLower(email)), row.Line); dup {
		row.Warnings = append(row.Warnings, fmt.Sprintf("duplicate email address: also on line %d", line))
	}
	return nil
}

// markDuplicate makes row invalid: its username was on line, an earlier valid row.
func markDuplicate(row *Row, line int) {
	row.Errors = errorsOf(row)
	row.Errors.Add("username", fmt.Sprintf("Duplicate username: same as line %d.", line))
	row.Request = nil
	row.GroupNames = nil
	row.Password, row.PasswordHash = "", ""
}

// Len is the number of usernames remembered.
func (s *Seen) Len() int { return s.usernames.n }

func (s *Seen) hash(v string) uint64 {
	key := maphash.String(s.seed, v)
	if key == 0 {
		key = 1 // 0 marks an empty slot
	}
	return key
}

func errorsOf(row *Row) authentik.FieldErrors {
	if row.Errors == nil {
		return make(authentik.FieldErrors, 1)
	}
	return row.Errors
}
