package main

import (
	"fmt"
	"runtime"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/plan"
)

// snapshotHeapPerUser builds a snapshot of n users shaped like an HR directory's (a group,
// two attributes) and returns the heap it holds per user, in bytes, for `make bench`.
func snapshotHeapPerUser(n int) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := plan.NewSnapshot("users/staff", n, false)
	for i := range n {
		u := authentik.User{PK: i + 1, UUID: fmt.Sprintf("%08x-1f49-4c4e-9d7e-%012x", i, i), Username: fmt.Sprintf("employee.%07d", i),
			Name: fmt.Sprintf("Employee Number %d", i), Email: fmt.Sprintf("employee.%07d@example.com", i), IsActive: true,
			Path: "users/staff", Type: "internal", Groups: []string{"8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a"},
			Attributes: map[string]any{"department": "Sales", "employee_id": float64(i)}}
		s.Add(&u)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}
