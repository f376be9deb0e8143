//go:build !unix

package mapping

import "unsafe"

// offHeap falls back to the Go heap where anonymous mappings are not available.
type offHeap struct{ b []uint64 }

func allocOffHeap(size int) offHeap { return offHeap{b: make([]uint64, (size+7)/8)} }

func (m offHeap) uint64s(offset, n int) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Add(unsafe.Pointer(&m.b[0]), offset)), n)
}

func (m offHeap) uint32s(offset, n int) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Add(unsafe.Pointer(&m.b[0]), offset)), n)
}

func (m offHeap) free() {}
