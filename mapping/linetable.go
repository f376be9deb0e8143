package mapping

import "math/bits"

// lineTable maps a 64-bit hash to the first line it was on: linear probing over two arrays
// without pointers (12 bytes a slot, never scanned by the GC), grown by half when 85% full:
// about 17 bytes an entry, where a map[uint64]uint32 costs 17–39.
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

const (
	minSlots = 64
	maxLoad  = 0.85
)

// home is the first slot to probe: the high bits of key × len, for any table size.
func (t *lineTable) home(key uint64) int {
	hi, _ := bits.Mul64(key<<shardBits, uint64(len(t.keys))) // the top bits chose the shard
	return int(hi)
}

// findOrAdd returns key's line and true, or adds key (not 0) on line and returns false.
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
