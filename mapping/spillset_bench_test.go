package mapping

import (
	"runtime"
	"testing"
)

// BenchmarkSpillSet times findOrAdd over a million random keys (5% repeats) against a plain
// map, and reports the memory each holds per key at the end.
func BenchmarkSpillSet(b *testing.B) {
	const n = 1_000_000
	keys := spillKeys(b, n, 5, 42)

	b.Run("spillSet", func(b *testing.B) {
		var s *spillSet
		for b.Loop() {
			if s != nil {
				_ = s.Close()
			}
			s = newSpillSet(b.TempDir())
			for line, key := range keys {
				if _, _, err := s.findOrAdd(key, line); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		b.ReportMetric(float64(s.memBytes())/float64(s.len()), "memB/key")
		b.ReportMetric(float64(s.memBytes()-memTotal*recordSize)/float64(s.len()), "filterB/key")
		_ = s.Close()
	})

	b.Run("map", func(b *testing.B) {
		var m map[uint64]uint32
		var heap uint64
		for b.Loop() {
			m = nil
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			m = make(map[uint64]uint32)
			for line, key := range keys {
				if _, ok := m[key]; !ok {
					m[key] = uint32(line)
				}
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			heap = after.HeapAlloc - before.HeapAlloc
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		b.ReportMetric(float64(heap)/float64(len(m)), "memB/key")
	})
}
