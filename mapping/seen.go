package mapping

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// Seen remembers the usernames and e-mail addresses of the rows read so far, to catch a
// username twice in one file (authentik would refuse the second, or answer 500 to concurrent
// creates, F-U13) and to warn about shared e-mail addresses. It keeps a 64-bit hash and a line an entry, about 17 bytes: two usernames of a
// million rows collide about 1 in 3·10^7.
type Seen struct {
	seed      maphash.Seed
	usernames shardedTable
	emails    shardedTable
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen { return &Seen{seed: maphash.MakeSeed()} }

// Check marks row invalid when its username was on an earlier row, valid or not, and warns when
// its e-mail address (any case) was on an earlier valid row.
// The error is always nil.
func (s *Seen) Check(row *Row) error {
	if row.Username != "" {
		if line, dup := s.usernames.findOrAdd(s.hash(row.Username), row.Line); dup {
			msg := fmt.Sprintf("Duplicate username: same as line %d.", line)
			if row.Errors == nil {
				row.Errors = authentik.FieldErrors{}
			}
			row.Errors.Add("username", msg)
			row.show("username", msg, row.Username)
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
	return max(maphash.String(s.seed, v), 1) // 0 marks an empty slot
}

// lineTable maps a 64-bit hash to its first line: linear probing over two arrays without
// pointers, grown by half when 85% full: about 17 bytes an entry (a map costs 17–39).
type lineTable struct {
	keys  []uint64 // 0: empty
	lines []uint32
	n     int
}

// shardedTable is 64 lineTables chosen by the key's top bits, so a grow copies 1/64 of the
// entries instead of holding the old and new arrays of the whole table at once.
type shardedTable struct {
	shards [1 << shardBits]lineTable
	n      int
}

const shardBits = 6

func (t *shardedTable) findOrAdd(key uint64, line int) (int, bool) {
	first, found := t.shards[key>>(64-shardBits)].findOrAdd(key, line)
	if !found {
		t.n++
	}
	return first, found
}

// findOrAdd returns key's line and true, or adds key (not 0) on line and returns false.
func (t *lineTable) findOrAdd(key uint64, line int) (int, bool) {
	if float64(t.n+1) > 0.85*float64(len(t.keys)) {
		t.grow()
	}
	// Probe from the high bits of key × len, for any table size; the top bits chose the shard.
	hi, _ := bits.Mul64(key<<shardBits, uint64(len(t.keys)))
	i := int(hi)
	for t.keys[i] != 0 {
		if t.keys[i] == key {
			return int(t.lines[i]), true
		}
		if i++; i == len(t.keys) {
			i = 0
		}
	}
	t.keys[i] = key
	t.lines[i] = uint32(min(max(line, 0), 1<<32-1))
	t.n++
	return 0, false
}

func (t *lineTable) grow() {
	oldKeys, oldLines := t.keys, t.lines
	size := max(64, len(oldKeys)+len(oldKeys)/2)
	t.keys, t.lines, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range oldKeys {
		if k != 0 {
			t.findOrAdd(k, int(oldLines[i]))
		}
	}
}
