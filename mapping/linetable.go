package mapping

import "math/bits"

// lineTable maps a 64-bit hash to the first line it was on: open addressing with linear
// probing over one array of 12-byte slots (the key's two halves and the line, no pointers, so
// the garbage collector never scans them), grown by half when 85% full. A slot holds key and
// line together so that a probe costs one cache miss, not one per array. An entry costs
// about 17 bytes on average; a Go map[uint64]uint32 costs 17–39 (16-byte slots, half-full
// after each split), which would put a million rows' usernames and e-mails over 64 MiB.
type lineTable struct {
	slots []slot
	n     int
}

// slot is one entry; keyHi and keyLo are 0 when it is empty (a key is never 0).
type slot struct{ keyHi, keyLo, line uint32 }

func (s *slot) key() uint64 { return uint64(s.keyHi)<<32 | uint64(s.keyLo) }

// shardedTable is a lineTable in shards chosen by the key's top bits. Each shard grows on
// its own, so a grow copies 1/64 of the entries: without shards, the old and the new arrays
// of a table holding a million entries (12 + 18 MiB) would be live together.
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

func (t *shardedTable) find(key uint64) (int, bool) {
	return t.shards[key>>(64-shardBits)].find(key)
}

// touch reads the slot key starts at (see Seen.CheckAll).
func (t *shardedTable) touch(key uint64) uint32 {
	shard := &t.shards[key>>(64-shardBits)]
	if len(shard.slots) == 0 {
		return 0
	}
	return shard.slots[shard.home(key)].keyLo
}

const (
	minSlots = 64
	maxLoad  = 0.85
)

// home is the first slot to probe for key: the high bits of key × len, spread over any
// table size (not only powers of two).
func (t *lineTable) home(key uint64) int {
	hi, _ := bits.Mul64(key<<shardBits, uint64(len(t.slots))) // the top bits chose the shard
	return int(hi)
}

// findOrAdd returns the line key was first added on and true, or adds key on line and
// returns false. key must not be 0.
func (t *lineTable) findOrAdd(key uint64, line int) (int, bool) {
	if float64(t.n+1) > maxLoad*float64(len(t.slots)) {
		t.grow()
	}
	i := t.home(key)
	for {
		s := &t.slots[i]
		k := s.key()
		if k == 0 {
			break
		}
		if k == key {
			return int(s.line), true
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	t.slots[i] = slot{keyHi: uint32(key >> 32), keyLo: uint32(key), line: uint32(min(max(line, 0), 1<<32-1))}
	t.n++
	return 0, false
}

// find returns the line of key, if present.
func (t *lineTable) find(key uint64) (int, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	for i := t.home(key); ; {
		s := &t.slots[i]
		switch s.key() {
		case 0:
			return 0, false
		case key:
			return int(s.line), true
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

func (t *lineTable) grow() {
	old := t.slots
	t.slots, t.n = make([]slot, max(minSlots, len(old)+len(old)/2)), 0
	for i := range old {
		if k := old[i].key(); k != 0 {
			t.findOrAdd(k, int(old[i].line))
		}
	}
}
