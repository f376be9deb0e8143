//go:build unix

package mapping

import (
	"runtime"
	"syscall"
	"unsafe"
)

// offHeap is zeroed memory from an anonymous private mapping: pages never touched cost
// nothing, and free returns the rest to the system at once. The zero value holds nothing.
type offHeap struct{ h *mapped }

// mapped is the heap handle the cleanup hangs on: a table dropped without free (a Seen a
// test let go) is still unmapped when the handle is collected.
type mapped struct {
	b       []byte
	onHeap  bool
	cleanup runtime.Cleanup
}

func allocOffHeap(size int) offHeap {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		// No mapping to be had (a strict ulimit): fall back to the heap.
		return offHeap{h: &mapped{b: make([]byte, size), onHeap: true}}
	}
	h := &mapped{b: b}
	h.cleanup = runtime.AddCleanup(h, func(b []byte) { _ = syscall.Munmap(b) }, b)
	return offHeap{h: h}
}

func (m offHeap) uint64s(offset, n int) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(&m.h.b[offset])), n)
}

func (m offHeap) uint32s(offset, n int) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(&m.h.b[offset])), n)
}

// free unmaps the memory; slices into it must not be used afterwards.
func (m offHeap) free() {
	if m.h == nil || m.h.onHeap {
		return
	}
	m.h.cleanup.Stop()
	_ = syscall.Munmap(m.h.b)
	m.h.b = nil
}
