package mapping

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"runtime"
	"sort"
)

// spillSet is an exact set of 64-bit keys (never 0) each with the line it was first added on,
// whose memory stays about 1–2 bytes per key however many keys it holds.
//
// It works like a small LSM tree: recent keys sit in a fixed in-memory open-addressing
// table; when that fills, its entries are sorted and appended to one temp file as a run of
// 12-byte records, and only a Bloom filter (12 bits a key) plus the run's bounds stay
// in memory. Runs are merged pairwise like a binary counter, so there are at most about
// log2(keys/memCap) of them and a lookup checks few filters. A key is stored once, in the
// table or in exactly one run, so its first line never changes.
type spillSet struct {
	dir  string
	file *os.File // nil until the first run is written
	// unlinked: the file's name was removed right after creation (unix), so Close must
	// not remove that name again: by then it may be another program's file.
	unlinked bool
	end      int64 // where the next run goes in file

	mem  memTable
	runs []spillRun
	n    int // keys in runs and mem

	// broken is set when a merge failed after dropping the old runs' filters: every call
	// returns it from then on, since the set can no longer answer exactly.
	broken error

	buf []byte // scratch for reading records; small and reused
}

// spillRun is one sorted run of records in the file and its in-memory summary.
type spillRun struct {
	offset   int64
	count    int
	min, max uint64
	filter   blockedBloom
}

const (
	recordSize = 12 // key uint64 + line uint32, little-endian

	// memCap is how many keys the memory table holds before it spills: its 2×memCap slots
	// of 12 bytes are the set's fixed cost (1.5 MiB).
	memCap   = 64 << 10
	memSlots = 2 * memCap

	bloomBitsPerKey = 12

	// searchWindow is how many records one ReadAt fetches around the interpolated position
	// of a key: keys are uniform hashes, so the guess is usually within a few dozen records.
	searchWindow = 64
)

func newSpillSet(dir string) *spillSet {
	return &spillSet{dir: dir}
}

func (s *spillSet) len() int { return s.n }

// find returns the first line of key, if present.
func (s *spillSet) find(key uint64) (line int, ok bool, err error) {
	if s.broken != nil {
		return 0, false, s.broken
	}
	if line, ok := s.mem.find(key); ok {
		return line, true, nil
	}
	return s.findInRuns(key)
}

// add remembers key on line unless it is there already (the first line is kept).
func (s *spillSet) add(key uint64, line int) error {
	_, _, err := s.findOrAdd(key, line)
	return err
}

// findOrAdd returns the first line of key if present; otherwise it adds key with line.
// An error means the temp file failed (disk full): the answer is then unknown.
func (s *spillSet) findOrAdd(key uint64, line int) (firstLine int, existed bool, err error) {
	if key == 0 {
		return 0, false, fmt.Errorf("spill set: key 0 is reserved")
	}
	if s.broken != nil {
		return 0, false, s.broken
	}
	if l, ok := s.mem.find(key); ok {
		return l, true, nil
	}
	if l, ok, err := s.findInRuns(key); err != nil || ok {
		return l, ok, err
	}
	if !s.mem.insert(key, line) {
		if err := s.spill(); err != nil {
			return 0, false, err
		}
		s.mem.insert(key, line) // the table is empty now
	}
	s.n++
	return line, false, nil
}

// Close drops the temp file and the memory; the set is empty afterwards.
func (s *spillSet) Close() error {
	s.mem.free()
	for _, r := range s.runs {
		r.filter.free()
	}
	s.runs, s.n, s.end = nil, 0, 0
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	s.file = nil
	if s.unlinked {
		return err
	}
	if rmErr := os.Remove(name); rmErr != nil && err == nil {
		err = fmt.Errorf("remove spill file: %w", rmErr)
	}
	return err
}

func (s *spillSet) findInRuns(key uint64) (int, bool, error) {
	// Newest first: recent keys are the likeliest repeats in most files.
	for i := len(s.runs) - 1; i >= 0; i-- {
		r := &s.runs[i]
		if key < r.min || key > r.max || !r.filter.mayContain(key) {
			continue
		}
		line, ok, err := s.searchRun(r, key)
		if err != nil || ok {
			return line, ok, err
		}
	}
	return 0, false, nil
}

// searchRun looks key up in run r by interpolation: keys are uniform, so the record's
// position is about count × (key−min)/(max−min); one ReadAt of a window around that guess
// usually settles it, and each miss narrows [lo, hi) to one side of the window.
func (s *spillSet) searchRun(r *spillRun, key uint64) (int, bool, error) {
	lo, hi := 0, r.count // key, if present, is at an index in [lo, hi)
	loKey, hiKey := r.min, r.max
	if cap(s.buf) < searchWindow*recordSize {
		s.buf = make([]byte, searchWindow*recordSize)
	}
	for lo < hi {
		n := hi - lo
		start := lo
		if n > searchWindow {
			// Guess the index from where key falls between loKey and hiKey.
			guess := lo
			if span := hiKey - loKey; span > 0 {
				guess = lo + int(mulDiv(key-loKey, uint64(n), span))
			}
			start = min(max(guess-searchWindow/2, lo), hi-searchWindow)
			n = searchWindow
		}
		b := s.buf[:n*recordSize]
		if _, err := s.file.ReadAt(b, r.offset+int64(start)*recordSize); err != nil {
			return 0, false, fmt.Errorf("read spill file: %w", err)
		}
		first := binary.LittleEndian.Uint64(b)
		last := binary.LittleEndian.Uint64(b[(n-1)*recordSize:])
		switch {
		case key < first:
			hi, hiKey = start, first
		case key > last:
			lo, loKey = start+n, last
		default:
			i := sort.Search(n, func(i int) bool { return binary.LittleEndian.Uint64(b[i*recordSize:]) >= key })
			if binary.LittleEndian.Uint64(b[i*recordSize:]) == key {
				return int(binary.LittleEndian.Uint32(b[i*recordSize+8:])), true, nil
			}
			return 0, false, nil
		}
	}
	return 0, false, nil
}

// mulDiv returns a×b/c for a ≤ c, without overflow; the result is < b.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c { // a == c: key at the upper bound
		return b - 1
	}
	q, _ := bits.Div64(hi, lo, c)
	return min(q, b-1)
}

// spill writes the memory table to the file as a sorted run, then merges runs pairwise
// while the newest is at least as big as the one before it.
func (s *spillSet) spill() error {
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "akimport-seen-*")
		if err != nil {
			return fmt.Errorf("create spill file: %w", err)
		}
		s.file = f
		if runtime.GOOS != "windows" {
			// Unlinked at once, the file vanishes with the process however it ends.
			s.unlinked = os.Remove(f.Name()) == nil
		}
	}
	keys, lines := s.mem.sorted()
	r := spillRun{offset: s.end, count: len(keys), min: keys[0], max: keys[len(keys)-1]}
	r.filter = newBlockedBloom(len(keys))
	w := bufio.NewWriterSize(io.NewOffsetWriter(s.file, s.end), 64<<10)
	var rec [recordSize]byte
	for i, k := range keys {
		r.filter.add(k)
		binary.LittleEndian.PutUint64(rec[:], k)
		binary.LittleEndian.PutUint32(rec[8:], lines[i])
		if _, err := w.Write(rec[:]); err != nil {
			r.filter.free()
			return fmt.Errorf("write spill file: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		r.filter.free()
		return fmt.Errorf("write spill file: %w", err)
	}
	s.end += int64(len(keys)) * recordSize
	s.runs = append(s.runs, r)
	s.mem.clear()
	for len(s.runs) >= 2 && s.runs[len(s.runs)-2].count <= s.runs[len(s.runs)-1].count {
		if err := s.mergeLastTwo(); err != nil {
			return err
		}
	}
	return nil
}

// mergeLastTwo merges the two newest runs into one appended at the end of the file. Their
// filters are freed before the merged one is built, so memory never holds both (nothing
// is looked up during a merge); the cost is that a failed merge leaves the set unusable,
// which s.broken records. The old runs' bytes are then punched out of the file (Linux), so
// disk use stays about 12 bytes a key, at most twice that during a merge.
func (s *spillSet) mergeLastTwo() error {
	a, b := s.runs[len(s.runs)-2], s.runs[len(s.runs)-1]
	a.filter.free()
	b.filter.free()
	s.runs = s.runs[:len(s.runs)-2]
	m := spillRun{offset: s.end, count: a.count + b.count, min: min(a.min, b.min), max: max(a.max, b.max)}
	m.filter = newBlockedBloom(m.count)
	fail := func(err error) error {
		m.filter.free()
		s.broken = fmt.Errorf("merge spill file: %w", err)
		return s.broken
	}
	ra, rb := newRunReader(s.file, a), newRunReader(s.file, b)
	w := bufio.NewWriterSize(io.NewOffsetWriter(s.file, s.end), 64<<10)
	for ra.ok || rb.ok {
		cur := rb
		if !rb.ok || (ra.ok && ra.key <= rb.key) {
			cur = ra
		}
		m.filter.add(cur.key)
		if _, err := w.Write(cur.record()); err != nil {
			return fail(err)
		}
		cur.next()
	}
	if err := errors.Join(ra.err, rb.err, w.Flush()); err != nil {
		return fail(err)
	}
	s.end += int64(m.count) * recordSize
	s.runs = append(s.runs, m)
	punchHole(s.file, a.offset, int64(a.count)*recordSize)
	punchHole(s.file, b.offset, int64(b.count)*recordSize)
	return nil
}

// runReader streams one run's records in key order, a chunk at a time.
type runReader struct {
	f      *os.File
	nextAt int64 // file offset of the next chunk
	left   int   // records not yet read into buf
	buf    []byte
	pos    int // offset in buf of the current record
	key    uint64
	ok     bool
	err    error
}

const mergeChunkRecords = 4096 // 48 KiB a read

func newRunReader(f *os.File, run spillRun) *runReader {
	rr := &runReader{f: f, nextAt: run.offset, left: run.count, pos: -recordSize}
	rr.next()
	return rr
}

func (rr *runReader) record() []byte { return rr.buf[rr.pos : rr.pos+recordSize] }

func (rr *runReader) next() {
	rr.pos += recordSize
	if rr.pos >= len(rr.buf) {
		if rr.left == 0 || rr.err != nil {
			rr.ok = false
			return
		}
		n := min(rr.left, mergeChunkRecords)
		if cap(rr.buf) < n*recordSize {
			rr.buf = make([]byte, mergeChunkRecords*recordSize)
		}
		rr.buf = rr.buf[:n*recordSize]
		if _, err := rr.f.ReadAt(rr.buf, rr.nextAt); err != nil {
			rr.ok, rr.err = false, err
			return
		}
		rr.nextAt += int64(n) * recordSize
		rr.left -= n
		rr.pos = 0
	}
	rr.key = binary.LittleEndian.Uint64(rr.buf[rr.pos:])
	rr.ok = true
}

// memTable is the fixed-size open-addressing table of keys not yet spilled: parallel
// keys/lines kept off the Go heap, at most half full so probes stay short. A key's home
// slot is its top bits and probes never wrap (a short overflow area follows the last
// slot), so the slots already hold the keys almost in order and sorting them for a spill
// is one insertion-sort pass instead of a full sort.
type memTable struct {
	keys  []uint64 // 0: empty
	lines []uint32
	mem   offHeap
	n     int
}

const (
	memSlotBits = 17 // 1<<memSlotBits == memSlots
	memOverflow = 1024
	memTotal    = memSlots + memOverflow
)

func (t *memTable) home(key uint64) int { return int(key >> (64 - memSlotBits)) }

func (t *memTable) find(key uint64) (int, bool) {
	if t.keys == nil {
		return 0, false
	}
	for i := t.home(key); i < memTotal; i++ {
		switch t.keys[i] {
		case 0:
			return 0, false
		case key:
			return int(t.lines[i]), true
		}
	}
	return 0, false
}

// insert adds a key known to be absent; it reports false if the table has no room for it
// (memCap keys, or a probe run into the end of the overflow area), and must be spilled.
func (t *memTable) insert(key uint64, line int) bool {
	if t.keys == nil {
		t.mem = allocOffHeap(memTotal * recordSize)
		t.keys, t.lines = t.mem.uint64s(0, memTotal), t.mem.uint32s(memTotal*8, memTotal)
	}
	if t.n >= memCap {
		return false
	}
	for i := t.home(key); i < memTotal; i++ {
		if t.keys[i] == 0 {
			t.keys[i] = key
			t.lines[i] = uint32(min(max(line, 0), 1<<32-1))
			t.n++
			return true
		}
	}
	return false
}

// sorted packs the entries to the front of the arrays and sorts them by key; the table
// must be cleared before it is used again.
func (t *memTable) sorted() ([]uint64, []uint32) {
	j := 0
	for i, k := range t.keys {
		if k != 0 {
			t.keys[j], t.lines[j] = k, t.lines[i]
			j++
		}
	}
	keys, lines := t.keys[:j], t.lines[:j]
	// Insertion sort: in home order already, keys are only out of place within a cluster.
	for i := 1; i < len(keys); i++ {
		k, l := keys[i], lines[i]
		m := i
		for ; m > 0 && keys[m-1] > k; m-- {
			keys[m], lines[m] = keys[m-1], lines[m-1]
		}
		keys[m], lines[m] = k, l
	}
	return keys, lines
}

func (t *memTable) clear() {
	clear(t.keys)
	t.n = 0
}

func (t *memTable) free() {
	t.mem.free()
	t.keys, t.lines, t.n = nil, nil, 0
}

// blockedBloom is a Bloom filter whose k bits for a key all fall in one 512-bit block
// (one cache line), so a lookup costs one memory access; at 12 bits a key its false
// positive rate is about 0.4%. Its words live off the Go heap.
type blockedBloom struct {
	words []uint64
	mem   offHeap
}

const (
	bloomK          = 7
	bloomBlockWords = 8
)

func newBlockedBloom(n int) blockedBloom {
	blocks := max(1, (n*bloomBitsPerKey+511)/512)
	mem := allocOffHeap(blocks * bloomBlockWords * 8)
	return blockedBloom{words: mem.uint64s(0, blocks*bloomBlockWords), mem: mem}
}

// block picks the key's block from its high bits; the bit positions come from a remix of
// the key so they do not repeat the bits that chose the block.
func (f *blockedBloom) block(key uint64) ([]uint64, uint64) {
	hi, _ := bits.Mul64(key, uint64(len(f.words)/bloomBlockWords))
	b := int(hi) * bloomBlockWords
	x := key * 0x9e3779b97f4a7c15
	x ^= x >> 29
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 32
	return f.words[b : b+bloomBlockWords : b+bloomBlockWords], x
}

func (f *blockedBloom) add(key uint64) {
	blk, x := f.block(key)
	for range bloomK {
		blk[(x>>6)&7] |= 1 << (x & 63)
		x >>= 9
	}
}

func (f *blockedBloom) mayContain(key uint64) bool {
	blk, x := f.block(key)
	for range bloomK {
		if blk[(x>>6)&7]&(1<<(x&63)) == 0 {
			return false
		}
		x >>= 9
	}
	return true
}

func (f *blockedBloom) free() {
	f.mem.free()
	f.words = nil
}

// memBytes is what the set holds in memory: the table, the filters and the run summaries.
func (s *spillSet) memBytes() int {
	b := 0
	if s.mem.keys != nil {
		b += memTotal * recordSize
	}
	for _, r := range s.runs {
		b += len(r.filter.words)*8 + int(unsafeSizeofRun)
	}
	return b + cap(s.buf)
}

const unsafeSizeofRun = 8 + 8 + 8 + 8 + 24 + 8 // offset, count, min, max, words, mem
