package mapping

import "math/bits"

// lineTable maps a 64-bit hash to the first line it was on: open addressing with linear
// probing over parallel arrays of keys and lines (12 bytes a slot), grown by half when
// 85% full, so an entry costs about 17 bytes. The arrays live outside the Go heap
// (offHeap): the garbage collector neither scans them nor lets the heap grow to twice
// their size before collecting, which would double the importer's memory on big files.
type lineTable struct {
	keys  []uint64 // 0: empty
	lines []uint32
	mem   offHeap
	n     int
}

const (
	minSlots = 1024
	maxLoad  = 0.85
)

// home is the first slot to probe for key: the high bits of key × len, spread over any
// table size (not only powers of two).
func (t *lineTable) home(key uint64) int {
	hi, _ := bits.Mul64(key, uint64(len(t.keys)))
	return int(hi)
}

// find returns the line of key, if present.
func (t *lineTable) find(key uint64) (int, bool) {
	if len(t.keys) == 0 {
		return 0, false
	}
	for i := t.home(key); ; {
		switch t.keys[i] {
		case 0:
			return 0, false
		case key:
			return int(t.lines[i]), true
		}
		if i++; i == len(t.keys) {
			i = 0
		}
	}
}

// findOrAdd returns the line of key if present, and otherwise remembers key on line: one
// probe where find then add would take two.
func (t *lineTable) findOrAdd(key uint64, line int) (int, bool) {
	if float64(t.n+1) > maxLoad*float64(len(t.keys)) {
		t.grow()
	}
	for i := t.home(key); ; {
		switch t.keys[i] {
		case 0:
			t.keys[i] = key
			t.lines[i] = uint32(min(max(line, 0), 1<<32-1))
			t.n++
			return 0, false
		case key:
			return int(t.lines[i]), true
		}
		if i++; i == len(t.keys) {
			i = 0
		}
	}
}

// add remembers key on line unless it is there already (the first line is kept).
func (t *lineTable) add(key uint64, line int) {
	if float64(t.n+1) > maxLoad*float64(len(t.keys)) {
		t.grow()
	}
	for i := t.home(key); ; {
		switch t.keys[i] {
		case 0:
			t.keys[i] = key
			t.lines[i] = uint32(min(max(line, 0), 1<<32-1))
			t.n++
			return
		case key:
			return
		}
		if i++; i == len(t.keys) {
			i = 0
		}
	}
}

func (t *lineTable) grow() {
	oldKeys, oldLines, oldMem := t.keys, t.lines, t.mem
	size := max(minSlots, len(oldKeys)+len(oldKeys)/2)
	t.mem = allocOffHeap(size * 12)
	t.keys, t.lines = t.mem.uint64s(0, size), t.mem.uint32s(size*8, size)
	t.n = 0
	for i, k := range oldKeys {
		if k != 0 {
			t.add(k, int(oldLines[i]))
		}
	}
	oldMem.free()
}
