package mapping

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// spillKeys returns n keys, about repeatPct percent of them repeats of earlier ones (none 0).
func spillKeys(t testing.TB, n, repeatPct int, seed uint64) []uint64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	keys := make([]uint64, n)
	for i := range keys {
		if i > 0 && rng.IntN(100) < repeatPct {
			keys[i] = keys[rng.IntN(i)]
			continue
		}
		for keys[i] == 0 {
			keys[i] = rng.Uint64()
		}
	}
	return keys
}

func spillKeyCount(t testing.TB) int {
	t.Helper()
	if testing.Short() || spillRaceEnabled {
		return 200_000
	}
	return 1_000_000
}

func TestSpillSetMatchesMap(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		repeatPct int
	}{
		{name: "memory table only", n: memCap / 2, repeatPct: 5},
		{name: "exactly one spill", n: memCap + 1, repeatPct: 0},
		{name: "many runs, 5% repeats", n: spillKeyCount(t), repeatPct: 5},
		{name: "many runs, half repeats", n: 3 * memCap, repeatPct: 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpillSet(t.TempDir())
			t.Cleanup(func() { _ = s.Close() })
			want := make(map[uint64]int, tc.n)
			for line, key := range spillKeys(t, tc.n, tc.repeatPct, uint64(tc.n)) {
				wantLine, wantExisted := want[key]
				if !wantExisted {
					want[key] = line
					wantLine = line
				}
				gotLine, gotExisted, err := s.findOrAdd(key, line)
				if err != nil {
					t.Fatalf("findOrAdd(%#x, %d): %v", key, line, err)
				}
				if gotLine != wantLine || gotExisted != wantExisted {
					t.Fatalf("findOrAdd(%#x, %d) = (%d, %v), want (%d, %v)", key, line, gotLine, gotExisted, wantLine, wantExisted)
				}
			}
			if got := s.len(); got != len(want) {
				t.Errorf("len() = %d, want %d", got, len(want))
			}
			// Every key, wherever it ended up, still answers with its first line.
			for key, wantLine := range want {
				gotLine, ok, err := s.find(key)
				if err != nil || !ok || gotLine != wantLine {
					t.Fatalf("find(%#x) = (%d, %v, %v), want (%d, true, nil)", key, gotLine, ok, err, wantLine)
				}
			}
			// Keys never added are absent.
			for _, key := range spillKeys(t, 10_000, 0, 0xab5e07) {
				if _, inWant := want[key]; inWant {
					continue
				}
				if line, ok, err := s.find(key); err != nil || ok {
					t.Fatalf("find(never added %#x) = (%d, %v, %v), want absent", key, line, ok, err)
				}
			}
		})
	}
}

func TestSpillSetKeepsFirstLine(t *testing.T) {
	s := newSpillSet(t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	const early, inMem = uint64(0x1234_5678_9abc_def0), uint64(0xfedc_ba98_7654_3210)
	if err := s.add(early, 7); err != nil {
		t.Fatal(err)
	}
	// Push early out into a run, then through several merges.
	for i, key := range spillKeys(t, 5*memCap, 0, 99) {
		if key == early || key == inMem {
			continue
		}
		if err := s.add(key, 100+i); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.runs) == 0 {
		t.Fatal("no runs were spilled; the test does not cover them")
	}
	if err := s.add(inMem, 11); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		key      uint64
		line     int
		wantLine int
	}{
		{name: "repeat of a spilled key", key: early, line: 1_000_000, wantLine: 7},
		{name: "repeat of a key in memory", key: inMem, line: 1_000_001, wantLine: 11},
		{name: "spilled key again", key: early, line: 1_000_002, wantLine: 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.len()
			got, existed, err := s.findOrAdd(tc.key, tc.line)
			if err != nil || !existed || got != tc.wantLine {
				t.Errorf("findOrAdd = (%d, %v, %v), want (%d, true, nil)", got, existed, err, tc.wantLine)
			}
			if err := s.add(tc.key, tc.line); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := s.find(tc.key); err != nil || !ok || got != tc.wantLine {
				t.Errorf("find after add = (%d, %v, %v), want (%d, true, nil)", got, ok, err, tc.wantLine)
			}
			if s.len() != before {
				t.Errorf("len() = %d after re-adding, want %d", s.len(), before)
			}
		})
	}
}

func TestSpillSetRejectsKeyZero(t *testing.T) {
	s := newSpillSet(t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	if _, _, err := s.findOrAdd(0, 1); err == nil {
		t.Error("findOrAdd(0) succeeded, want an error")
	}
}

func TestSpillSetCloseRemovesFile(t *testing.T) {
	dir := t.TempDir()
	s := newSpillSet(dir)
	for i, key := range spillKeys(t, memCap+10, 0, 3) {
		if err := s.add(key, i); err != nil {
			t.Fatal(err)
		}
	}
	if s.file == nil {
		t.Fatal("no spill file was created")
	}
	name := s.file.Name()
	if filepath.Dir(name) != dir {
		t.Errorf("spill file %q is not in %q", name, dir)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("spill file still there after Close (stat err %v)", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("dir holds %d entries after Close, want 0", len(entries))
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSpillSetMemoryPerKey(t *testing.T) {
	n := spillKeyCount(t)
	s := newSpillSet(t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	for i, key := range spillKeys(t, n, 0, 5) {
		if err := s.add(key, i); err != nil {
			t.Fatal(err)
		}
	}
	fixed := memTotal * recordSize
	perKey := float64(s.memBytes()-fixed) / float64(n)
	t.Logf("%d keys, %d runs: %d bytes in memory, %.2f bytes/key beyond the %d-byte table", n, len(s.runs), s.memBytes(), perKey, fixed)
	if perKey > 2 {
		t.Errorf("%.2f bytes/key beyond the table, want ≤ 2", perKey)
	}
}

func TestSpillSetReturnsFileErrors(t *testing.T) {
	s := newSpillSet(t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	keys := spillKeys(t, memCap+1, 0, 8)
	for i, key := range keys {
		if err := s.add(key, i); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.runs) != 1 {
		t.Fatalf("%d runs, want 1", len(s.runs))
	}
	// The file going bad under the set stands in for a full or failing disk.
	if err := s.file.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		call func() error
	}{
		{name: "find of a spilled key", call: func() error { _, _, err := s.find(keys[0]); return err }},
		{name: "findOrAdd of a spilled key", call: func() error { _, _, err := s.findOrAdd(keys[0], 1); return err }},
		{name: "adds that need a spill", call: func() error {
			for i, key := range spillKeys(t, memCap, 0, 9) {
				if err := s.add(key, i); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Error("got no error, want the file's error")
			}
		})
	}
}
