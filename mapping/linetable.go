package mapping

import "math/bits"

// lineTable maps a 64-bit hash to the first line it was on: open addressing with linear
// probing over two parallel arrays, keys and lines (12 bytes a slot, no pointers, so the
// garbage collector never scans them), grown by half when 85% full. An entry costs about
// 17 bytes on average; a Go map[uint64]uint32 costs 17–39 (16-byte slots, half-full after
// each split), which would put a million rows' usernames and e-mails over 64 MiB.
type lineTable struct {
	keys  []uint64 // 0: empty
	lines []uint32
	n     int
}

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

const (
	minSlots = 64
	maxLoad  = 0.85
)

// home is the first slot to probe for key: the high bits of key × len, spread over any
// table size (not only powers of two).
func (t *lineTable) home(key uint64) int {
	hi, _ := bits.Mul64(key<<shardBits, uint64(len(t.keys))) // the top bits chose the shard
	return int(hi)
}

// findOrAdd returns the line key was first added on and true, or adds key on line and
// returns false. key must not be 0.
func (t *lineTable) findOrAdd(key uint64, line int) (int, bool) {
	if float64(t.n+1) > maxLoad*float64(len(t.keys)) {
		t.grow()
	}
	i := t.home(key)
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

// find returns the line of key, if present.
func (t *lineTable) find(key uint64) (int, bool) {
	if len(t.keys) == 0 {
		return 0, false
	}
	for i := t.home(key); t.keys[i] != 0; {
		if t.keys[i] == key {
			return int(t.lines[i]), true
		}
		if i++; i == len(t.keys) {
			i = 0
		}
	}
	return 0, false
}

func (t *lineTable) grow() {
	oldKeys, oldLines := t.keys, t.lines
	size := max(minSlots, len(oldKeys)+len(oldKeys)/2)
	t.keys, t.lines, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range oldKeys {
		if k != 0 {
			t.findOrAdd(k, int(oldLines[i]))
		}
	}
}
