package importer

import (
	"fmt"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func TestSnapshotIndex(t *testing.T) {
	s := newSnapshot("users/staff", 4)
	s.add(&authentik.User{PK: 1, UUID: "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", Username: "alice", Name: "Alice", IsActive: true, Path: "users/staff"})
	s.add(&authentik.User{PK: 2, UUID: "not-a-uuid", Username: "bob", Name: "Bob", IsActive: true, Path: "users/staffing"})
	s.add(&authentik.User{PK: 3, UUID: "3b9e7a12-5c4d-4e8f-a1b2-c3d4e5f60718", Username: "outpost", IsActive: true, Path: "users/staff", Type: internalServiceAccount})
	s.add(&authentik.User{PK: 4, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a", Username: "gone", IsActive: false, Path: "users/staff/old"})
	s.add(&authentik.User{PK: 5, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6b", Username: "carol", IsActive: true, Path: "users/staff/eu"})
	// A page that shifted repeats a user: the later copy wins, nothing is doubled.
	s.add(&authentik.User{PK: 1, UUID: "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", Username: "alice", Name: "Alice Smith", IsActive: true, Path: "users/staff"})
	if s.len() != 5 {
		t.Fatalf("%d entries, want 5", s.len())
	}
	a := s.get("alice")
	if a == nil || a.pk != 1 || a.uuid != "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f" || a.sums.name != sumText("Alice Smith") || !a.active {
		t.Errorf("alice = %+v", a)
	}
	if b := s.get("bob"); b == nil || b.uuid != "not-a-uuid" {
		t.Errorf("bob = %+v: an odd uuid is kept as text", b)
	}
	if s.get("alice ") != nil || s.get("nobody") != nil {
		t.Error("found a user the snapshot does not hold")
	}
	s.markNamed("alice")
	got, inScope := s.unnamedActive()
	var names []string
	for _, o := range got {
		names = append(names, o.username)
	}
	// bob is under users/staffing (path_startswith matches it; the scope does not); the
	// outpost account is never touched; gone is inactive.
	if fmt.Sprint(names) != "[carol]" || inScope != 2 {
		t.Errorf("unnamed active %v of %d in scope, want [carol] of 2", names, inScope)
	}
}

// Usernames whose digests collide are both found (one through the overflow map).
func TestSnapshotDigestCollision(t *testing.T) {
	s := newSnapshot("", 2)
	s.add(&authentik.User{PK: 1, Username: "first"})
	// Force a collision: give "second" the digest of "first" by hand.
	idx := int32(len(s.entries))
	s.entries = append(s.entries, snapEntry{pk: 2, nameOff: uint32(len(s.names)), nameLen: 6})
	s.names = append(s.names, "second"...)
	s.overflow = map[string]int32{"second": idx}
	if f, sec := s.get("first"), s.get("second"); f == nil || f.pk != 1 || sec == nil || sec.pk != 2 {
		t.Errorf("first %+v, second %+v", f, sec)
	}
}

// chooseLookup takes the cheaper way to learn who exists, unless told.
func TestChooseLookup(t *testing.T) {
	tests := []struct {
		mode              LookupMode
		pages, perRowCost int
		deactivate        bool
		want              lookupPlan
	}{
		{LookupAuto, 100, 10_000, false, lookupPlan{snapshot: true}},
		{LookupAuto, 1_500, 200, false, lookupPlan{perRow: true}},
		{LookupAuto, 1_500, 200, true, lookupPlan{snapshot: true, perRow: true}},
		{LookupAuto, 1, 1, false, lookupPlan{snapshot: true}},
		{LookupSnapshot, 1_500, 2, false, lookupPlan{snapshot: true}},
		{LookupPerRow, 1, 10_000, false, lookupPlan{perRow: true}},
		{LookupPerRow, 1, 10_000, true, lookupPlan{snapshot: true, perRow: true}},
	}
	for _, tt := range tests {
		if got := chooseLookup(tt.mode, tt.pages, tt.perRowCost, tt.deactivate); got != tt.want {
			t.Errorf("chooseLookup(%s, %d pages, %d rows, deactivate %v) = %+v, want %+v", tt.mode, tt.pages, tt.perRowCost, tt.deactivate, got, tt.want)
		}
	}
}

// BenchmarkSnapshotBytesPerUser reports the heap a snapshot of b.N users holds, per user
// (`make bench` prints it for 1 000 000 users; the goal is 256 MiB for a million).
func BenchmarkSnapshotBytesPerUser(b *testing.B) {
	users := SnapshotHeapPerUser(b.N)
	b.ReportMetric(users, "bytes/user")
}
