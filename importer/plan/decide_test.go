package plan

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

func ptr[T any](v T) *T { return &v }

// decide over every combination: what authentik has × provenance × --on-existing ×
// --reactivate. Each table row gives the action for fail, skip, update, update+reactivate.
func TestDecideEveryCombination(t *testing.T) {
	row := &mapping.Row{Username: "alice", Request: &authentik.UserRequest{Username: "alice", Name: ptr("Alice"), Email: ptr("alice@example.com")}}
	user := func(edit func(*authentik.User)) *authentik.User {
		u := &authentik.User{PK: 7, UUID: "u-7", Username: "alice", Name: "Alice", Email: "alice@example.com",
			IsActive: true, Path: "users", Type: "internal", Groups: []string{}, Attributes: map[string]any{}}
		if edit != nil {
			edit(u)
		}
		return u
	}
	// pk 7 is above the mark (created after the import began) unless the state says "old".
	states := map[string]*User{
		"none":     nil,
		"equal":    Observe(user(nil), ""),
		"old twin": Observe(user(func(u *authentik.User) { u.PK = 3 }), ""),
		"renamed":  Observe(user(func(u *authentik.User) { u.Name = "Old Name" }), ""),
		"inactive": Observe(user(func(u *authentik.User) { u.IsActive = false }), ""),
		"internal": Observe(user(func(u *authentik.User) { u.Type = internalServiceAccount; u.Name = "x" }), ""),
		"moved":    Observe(user(func(u *authentik.User) { u.Path = "users/elsewhere" }), ""),
	}
	const (
		C = Create
		A = Adopt
		U = Update
		R = Reactivate
		N = Unchanged
		S = Skip
		F = Conflict
		P = Unproven
	)
	proven, unproven := Mark{PK: 5, Proven: true}, Mark{PK: 5}
	tests := []struct {
		state     string
		mayBeOurs bool
		mark      Mark
		want      [4]Kind // fail, skip, update, update --reactivate
	}{
		{"none", false, proven, [4]Kind{C, C, C, C}},
		{"none", true, proven, [4]Kind{C, C, C, C}},
		{"equal", false, proven, [4]Kind{F, S, N, N}},
		{"equal", true, proven, [4]Kind{A, A, A, A}},
		// The case that fools inference: equal fields, an unclear create, but the pk proves
		// the user existed before the import.
		{"old twin", true, proven, [4]Kind{F, S, N, N}},
		{"old twin", false, proven, [4]Kind{F, S, N, N}},
		// Without a proven mark nothing is adopted, and an unclear create finding a user fails.
		{"equal", true, unproven, [4]Kind{P, P, P, P}},
		{"equal", false, unproven, [4]Kind{F, S, N, N}},
		{"renamed", false, proven, [4]Kind{F, S, U, U}},
		{"renamed", true, proven, [4]Kind{F, S, U, U}},
		{"inactive", false, proven, [4]Kind{F, S, N, R}},
		{"inactive", true, proven, [4]Kind{F, S, N, R}}, // a deactivated user is not what a create makes
		{"internal", false, proven, [4]Kind{F, S, S, S}},
		{"internal", true, proven, [4]Kind{F, S, S, S}},
		{"moved", false, proven, [4]Kind{F, S, N, N}}, // the row gives no path: nothing to change
		{"moved", true, proven, [4]Kind{F, S, N, N}},  // but not where a create would put it: not ours
	}
	modes := []struct {
		mode       OnExisting
		reactivate bool
	}{{OnExistingFail, false}, {OnExistingSkip, false}, {OnExistingUpdate, false}, {OnExistingUpdate, true}}
	for _, tt := range tests {
		for i, m := range modes {
			name := fmt.Sprintf("%s/ours=%v/proven=%v/%s/reactivate=%v", tt.state, tt.mayBeOurs, tt.mark.Proven, m.mode, m.reactivate)
			t.Run(name, func(t *testing.T) {
				got := Decide(row, states[tt.state], tt.mayBeOurs, Policy{OnExisting: m.mode, Reactivate: m.reactivate, Mark: tt.mark})
				if got.Kind != tt.want[i] {
					t.Errorf("Decide = %v, want %v", got.Kind, tt.want[i])
				}
			})
		}
	}
}

// The patch holds exactly the fields that differ, with the row's values; warnings say why a
// user was left alone.
func TestDecidePatchAndWarnings(t *testing.T) {
	have := Observe(&authentik.User{PK: 1, Username: "bob", Name: "Bob", Email: "old@example.com", IsActive: false,
		Path: "users/staff", Type: "internal", Groups: []string{"A-1"}, LastLogin: ptr("2024-01-02T03:04:00Z"),
		Attributes: map[string]any{"dept": "IT", "ids": map[string]any{"hr": 1.0}}}, "")
	tests := []struct {
		name       string
		req        authentik.UserRequest
		reactivate bool
		wantKind   Kind
		wantPatch  map[string]any
		wantWarn   []string
	}{
		{"equal, inactive kept", authentik.UserRequest{Name: ptr("Bob"), LastLogin: ptr("2024-01-02 04:04+01:00"), Groups: []string{"a-1"},
			Attributes: map[string]any{"ids": map[string]any{"hr": 1}}}, false, Unchanged, map[string]any{}, []string{WarnInactive}},
		{"email and groups", authentik.UserRequest{Name: ptr("Bob"), Email: ptr("new@example.com"), Groups: []string{}}, false, Update,
			map[string]any{"email": "new@example.com", "groups": []string{}}, []string{WarnInactive}},
		{"reactivated", authentik.UserRequest{Name: ptr("Bob")}, true, Reactivate, map[string]any{"is_active": true}, nil},
		{"the row's is_active wins over --reactivate", authentik.UserRequest{Name: ptr("Bob"), IsActive: ptr(false)}, true, Unchanged, map[string]any{}, nil},
		{"attributes merged", authentik.UserRequest{Attributes: map[string]any{"dept": "HR"}}, false, Update,
			map[string]any{"attributes": map[string]any{"dept": "HR", "ids": map[string]any{"hr": 1.0}}}, []string{WarnInactive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(&mapping.Row{Request: &tt.req}, have, false, Policy{OnExisting: OnExistingUpdate, Reactivate: tt.reactivate})
			if got.Kind != tt.wantKind || !reflect.DeepEqual(got.Patch, tt.wantPatch) && len(got.Patch)+len(tt.wantPatch) > 0 ||
				!reflect.DeepEqual(got.Warnings, tt.wantWarn) {
				t.Errorf("Decide = %v %v %q, want %v %v %q", got.Kind, got.Patch, got.Warnings, tt.wantKind, tt.wantPatch, tt.wantWarn)
			}
		})
	}
}

// A snapshot keeps digests only: attributes it cannot vouch for send the planner to read the
// user; attributes it can (every leaf present) need no request.
func TestDecideFromSnapshotDigests(t *testing.T) {
	full := &authentik.User{PK: 1, Username: "c", Name: "C", IsActive: true, Path: "users", Type: "internal",
		Attributes: map[string]any{"a": map[string]any{"b": 1.0, "c": "x"}, "d": true}}
	digest := fromSnapshot(full)
	tests := []struct {
		name  string
		attrs map[string]any
		want  Kind
	}{
		{"subset of the leaves", map[string]any{"a": map[string]any{"b": 1}}, Unchanged},
		{"every leaf", map[string]any{"a": map[string]any{"b": 1, "c": "x"}, "d": true}, Unchanged},
		{"a changed leaf", map[string]any{"a": map[string]any{"b": 2}}, Fetch},
		{"a new key", map[string]any{"e": 1}, Fetch},
		{"an object where a value is", map[string]any{"d": map[string]any{"x": 1}}, Fetch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := &mapping.Row{Request: &authentik.UserRequest{Username: "c", Attributes: tt.attrs}}
			if got := Decide(row, digest, false, Policy{OnExisting: OnExistingUpdate}); got.Kind != tt.want {
				t.Errorf("Decide = %v, want %v", got.Kind, tt.want)
			}
		})
	}
}

// fromSnapshot is u as a snapshot holds it: digests only.
func fromSnapshot(u *authentik.User) *User {
	s := NewSnapshot("", 1, false)
	s.Add(u)
	return s.Get(u.Username)
}

// --groups-mode add never removes a membership; replace does, and the step names both.
func TestDecideGroups(t *testing.T) {
	have := Observe(&authentik.User{PK: 1, Username: "g", IsActive: true, Groups: []string{"A-1", "b-2"}}, "")
	names := func(id string) string { return map[string]string{"a-1": "staff", "c-3": "it"}[id] }
	tests := []struct {
		add       bool
		want      []string
		describes string
	}{
		{false, []string{"a-1", "c-3"}, "update: groups (+it -b-2)"},
		{true, []string{"a-1", "b-2", "c-3"}, "update: groups (+it)"},
	}
	for _, tt := range tests {
		row := &mapping.Row{Request: &authentik.UserRequest{Username: "g", Groups: []string{"a-1", "C-3"}}}
		got := Decide(row, have, false, Policy{OnExisting: OnExistingUpdate, AddGroups: tt.add})
		if !reflect.DeepEqual(got.Patch["groups"], tt.want) || got.Describe(names) != tt.describes {
			t.Errorf("add=%v: patch %v %q, want %v %q", tt.add, got.Patch["groups"], got.Describe(names), tt.want, tt.describes)
		}
	}
	row := &mapping.Row{Request: &authentik.UserRequest{Username: "g", Groups: []string{"a-1"}}}
	if got := Decide(row, have, false, Policy{OnExisting: OnExistingUpdate, AddGroups: true}); got.Kind != Unchanged {
		t.Errorf("add mode with a subset: %v, want unchanged", got.Kind)
	}
}
