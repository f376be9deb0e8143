package mapping

import (
	"fmt"
	"hash/maphash"
	"strings"
)

// Seen remembers the usernames and e-mail addresses of the rows read so far, to catch a
// username twice in one file (authentik would refuse the second, or answer 500 to concurrent
// creates, F-U13) and to warn about shared e-mail addresses. It keeps a 64-bit hash and a
// line per entry (lineTable), about 17 bytes each: 34 MiB for a million rows with e-mails.
// Two usernames are confused only if their hashes collide: about 1 in 3·10^7 for a whole
// file of a million rows.
type Seen struct {
	seed      maphash.Seed
	usernames shardedTable
	emails    shardedTable
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen {
	return &Seen{seed: maphash.MakeSeed()}
}

// Check marks row invalid when its username was on an earlier row, valid or not (fixing the
// first would leave the second a duplicate), and warns when its e-mail address (compared
// case-insensitively) was on an earlier valid row. The error is always nil.
func (s *Seen) Check(row *Row) error {
	if row.Username != "" {
		if line, dup := s.usernames.findOrAdd(s.hash(row.Username), row.Line); dup {
			row.addError("username", fmt.Sprintf("Duplicate username: same as line %d.", line), row.Username)
			row.invalidate()
		}
	}
	if !row.Valid() || row.Request == nil || row.Request.Email == nil {
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

// Len is the number of usernames remembered.
func (s *Seen) Len() int { return s.usernames.n }

func (s *Seen) hash(v string) uint64 {
	key := maphash.String(s.seed, v)
	if key == 0 {
		key = 1 // 0 marks an empty slot
	}
	return key
}
