package plan

import (
	"fmt"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func TestSnapshotIndex(t *testing.T) {
	s := NewSnapshot("users/staff", 4, false)
	s.Add(&authentik.User{PK: 1, UUID: "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", Username: "alice", Name: "Alice", IsActive: true, Path: "users/staff"})
	s.Add(&authentik.User{PK: 2, UUID: "not-a-uuid", Username: "bob", Name: "Bob", IsActive: true, Path: "users/staffing"})
	s.Add(&authentik.User{PK: 3, UUID: "3b9e7a12-5c4d-4e8f-a1b2-c3d4e5f60718", Username: "outpost", IsActive: true, Path: "users/staff", Type: internalServiceAccount})
	s.Add(&authentik.User{PK: 4, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a", Username: "gone", IsActive: false, Path: "users/staff/old"})
	s.Add(&authentik.User{PK: 5, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6b", Username: "carol", IsActive: true, Path: "users/staff/eu"})
	s.Add(&authentik.User{PK: 6, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6c", Username: "root", IsActive: true, IsSuperuser: true, Path: "users/staff"})
	s.Add(&authentik.User{PK: 7, UUID: "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6d", Username: "me", IsActive: true, Path: "users/staff"})
	// A page that shifted repeats a user: the later copy wins, nothing is doubled.
	s.Add(&authentik.User{PK: 1, UUID: "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f", Username: "alice", Name: "Alice Smith", IsActive: true, Path: "users/staff", Groups: []string{"G-1"}})
	if s.Len() != 7 {
		t.Fatalf("%d entries, want 7", s.Len())
	}
	a := s.Get("alice")
	if a == nil || a.PK != 1 || a.UUID != "0b5a5e7e-1f49-4c4e-9d7e-1f1f1f1f1f1f" || a.sums.name != sumText("Alice Smith") || !a.Active || fmt.Sprint(a.groups) != "[g-1]" {
		t.Errorf("alice = %+v", a)
	}
	if b := s.Get("bob"); b == nil || b.UUID != "not-a-uuid" || b.InScope {
		t.Errorf("bob = %+v: an odd uuid is kept as text; users/staffing is not under users/staff", b)
	}
	if s.Get("alice ") != nil || s.Get("nobody") != nil {
		t.Error("found a user the snapshot does not hold")
	}
	for _, allow := range []bool{false, true} {
		got, inScope, spared := Leavers(s, func(u string) bool { return u == "alice" }, Guard{Me: 7, AllowSuperusers: allow})
		var names []string
		for _, u := range got {
			names = append(names, u.Username)
		}
		// bob is under users/staffing; the outpost account is never touched; gone is inactive;
		// me is the token's user; root a superuser.
		want, wantSpared := "[carol]", "[me root]"
		if allow {
			want, wantSpared = "[carol root]", "[me]"
		}
		if fmt.Sprint(names) != want || inScope != 4 || fmt.Sprint(spared) != wantSpared {
			t.Errorf("allow superusers %v: leavers %v of %d in scope, spared %v; want %s of 4, spared %s", allow, names, inScope, spared, want, wantSpared)
		}
	}
}

// Usernames whose digests collide are both found (one through the overflow map).
func TestSnapshotDigestCollision(t *testing.T) {
	s := NewSnapshot("", 2, false)
	s.Add(&authentik.User{PK: 1, Username: "first"})
	idx := int32(len(s.entries))
	s.entries = append(s.entries, snapEntry{pk: 2, nameOff: uint32(len(s.names)), nameLen: 6})
	s.names = append(s.names, "second"...)
	s.overflow = map[string]int32{"second": idx}
	if f, sec := s.Get("first"), s.Get("second"); f == nil || f.PK != 1 || sec == nil || sec.PK != 2 {
		t.Errorf("first %+v, second %+v", f, sec)
	}
}

// Guard.Check: a destroy step acts only on the same user, still active and in scope, never
// the token's own, a superuser only when allowed, and (undo) only above the mark.
func TestGuardCheck(t *testing.T) {
	want := &User{PK: 9, UUID: "u-9", Username: "x"}
	fresh := func(edit func(*authentik.User)) *authentik.User {
		u := &authentik.User{PK: 9, UUID: "u-9", Username: "x", IsActive: true, Path: "users/staff"}
		if edit != nil {
			edit(u)
		}
		return u
	}
	mark := &Mark{PK: 5, Proven: true}
	tests := []struct {
		name  string
		guard Guard
		kind  Kind
		user  *authentik.User
		ok    bool
	}{
		{"same and active", Guard{Scope: "users/staff"}, Deactivate, fresh(nil), true},
		{"gone", Guard{}, Deactivate, nil, false},
		{"replaced", Guard{}, Deactivate, fresh(func(u *authentik.User) { u.UUID = "u-other" }), false},
		{"already inactive", Guard{}, Deactivate, fresh(func(u *authentik.User) { u.IsActive = false }), false},
		{"inactive, but deleted", Guard{}, Delete, fresh(func(u *authentik.User) { u.IsActive = false }), true},
		{"moved out of scope", Guard{Scope: "users/staff"}, Deactivate, fresh(func(u *authentik.User) { u.Path = "users/alumni" }), false},
		{"the token's user", Guard{Me: 9}, Deactivate, fresh(nil), false},
		{"a superuser", Guard{}, Deactivate, fresh(func(u *authentik.User) { u.IsSuperuser = true }), false},
		{"a superuser, allowed", Guard{AllowSuperusers: true}, Deactivate, fresh(func(u *authentik.User) { u.IsSuperuser = true }), true},
		{"undo: above the mark", Guard{Mark: mark}, Delete, fresh(nil), true},
		{"undo: at or below the mark", Guard{Mark: mark}, Delete, fresh(func(u *authentik.User) { u.PK = 5 }), false},
	}
	for _, tt := range tests {
		got := tt.guard.Check(Step{Kind: tt.kind, User: want}, tt.user)
		if (got.Kind != Leave) != tt.ok {
			t.Errorf("%s: %v (%s), want ok=%v", tt.name, got.Kind, got.Why, tt.ok)
		}
	}
}
