package mapping

import (
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// Seen remembers the usernames and e-mail addresses of the rows read so far, to catch a
// username twice in one file (authentik would create the first and refuse, or with concurrent
// creates answer 500 for, the second) and to warn about shared e-mail addresses.
//
// It keeps a 64-bit hash and a line number per entry, not the strings, in spill sets: the
// recent entries in memory, the rest in sorted runs in a temporary file with a small Bloom
// filter each in memory (see spillSet). Its memory is about 3 MiB plus 1.5 bytes per entry,
// so the importer's memory stays nearly flat however long the file. Two different usernames
// are taken for the same one only if their 64-bit hashes collide: about 1 in 3·10^7 for a
// whole file of a million rows.
type Seen struct {
	seed      maphash.Seed
	usernames *spillSet
	emails    *spillSet
}

// NewSeen returns an empty Seen whose temporary file, if it needs one, goes to the system's
// temporary directory ($TMPDIR). Close it.
func NewSeen() *Seen {
	return &Seen{seed: maphash.MakeSeed(), usernames: newSpillSet(""), emails: newSpillSet("")}
}

// Close frees the memory and removes the temporary file.
func (s *Seen) Close() error {
	return errors.Join(s.usernames.Close(), s.emails.Close())
}

// Check marks row invalid when its username was on an earlier valid row, and warns when its
// e-mail address (compared case-insensitively) was. Only valid rows are remembered: an
// invalid row is never created, so a later row with its username is not a duplicate.
// An error means the temporary file failed (disk full): duplicates can no longer be caught,
// and the caller must stop.
func (s *Seen) Check(row *Row) error {
	if err := s.check(row); err != nil {
		return fmt.Errorf("checking line %d for duplicates (temporary file in %s): %w", row.Line, os.TempDir(), err)
	}
	return nil
}

func (s *Seen) check(row *Row) error {
	if row.Valid() && row.Request != nil && row.Username == row.Request.Username {
		// The common case: one call both looks the username up and remembers it.
		line, dup, err := s.usernames.findOrAdd(s.hash(row.Username), row.Line)
		if err != nil {
			return err
		}
		if dup {
			markDuplicate(row, line)
			return nil
		}
	} else {
		if row.Username != "" {
			line, dup, err := s.usernames.find(s.hash(row.Username))
			if err != nil {
				return err
			}
			if dup {
				markDuplicate(row, line)
			}
		}
		if !row.Valid() || row.Request == nil {
			return nil
		}
		if err := s.usernames.add(s.hash(row.Request.Username), row.Line); err != nil {
			return err
		}
	}
	if row.Request.Email == nil {
		return nil
	}
	email := strings.TrimSpace(*row.Request.Email)
	if email == "" {
		return nil
	}
	line, dup, err := s.emails.findOrAdd(s.hash(strings.ToLower(email)), row.Line)
	if err != nil {
		return err
	}
	if dup {
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
func (s *Seen) Len() int { return s.usernames.len() }

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
