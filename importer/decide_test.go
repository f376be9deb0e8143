package importer

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func ptr[T any](v T) *T { return &v }

// decide over every combination: what authentik has × provenance × --on-existing ×
// --reactivate. Each table row gives the action for fail, skip, update, update+reactivate.
func TestDecideEveryCombination(t *testing.T) {
	row := &authentik.UserRequest{Username: "alice", Name: ptr("Alice"), Email: ptr("alice@example.com")}
	user := func(edit func(*authentik.User)) *authentik.User {
		u := &authentik.User{PK: 7, UUID: "u-7", Username: "alice", Name: "Alice", Email: "alice@example.com",
			IsActive: true, Path: "users", Type: "internal", Groups: []string{}, Attributes: map[string]any{}}
		if edit != nil {
			edit(u)
		}
		return u
	}
	states := map[string]*observed{
		"none":     nil,
		"equal":    observe(user(nil), true),
		"renamed":  observe(user(func(u *authentik.User) { u.Name = "Old Name" }), true),
		"inactive": observe(user(func(u *authentik.User) { u.IsActive = false }), true),
		"internal": observe(user(func(u *authentik.User) { u.Type = internalServiceAccount; u.Name = "x" }), true),
		"moved":    observe(user(func(u *authentik.User) { u.Path = "users/elsewhere" }), true),
	}
	const (
		C = actCreate
		A = actAdopt
		U = actUpdate
		R = actReactivate
		N = actUnchanged
		S = actSkip
		F = actConflict
	)
	tests := []struct {
		state string
		prov  provenance
		want  [4]actionKind // fail, skip, update, update --reactivate
	}{
		{"none", preExisting, [4]actionKind{C, C, C, C}},
		{"none", maybeOurs, [4]actionKind{C, C, C, C}},
		{"equal", preExisting, [4]actionKind{F, S, N, N}},
		{"equal", maybeOurs, [4]actionKind{A, A, A, A}},
		{"renamed", preExisting, [4]actionKind{F, S, U, U}},
		{"renamed", maybeOurs, [4]actionKind{F, S, U, U}},
		{"inactive", preExisting, [4]actionKind{F, S, N, R}},
		{"inactive", maybeOurs, [4]actionKind{F, S, N, R}}, // a deactivated user is not what a create makes
		{"internal", preExisting, [4]actionKind{F, S, S, S}},
		{"internal", maybeOurs, [4]actionKind{F, S, S, S}},
		{"moved", preExisting, [4]actionKind{F, S, N, N}}, // the row gives no path: nothing to change
		{"moved", maybeOurs, [4]actionKind{F, S, N, N}},   // but not where a create would put it: not ours
	}
	modes := []struct {
		mode       OnExisting
		reactivate bool
	}{{OnExistingFail, false}, {OnExistingSkip, false}, {OnExistingUpdate, false}, {OnExistingUpdate, true}}
	for _, tt := range tests {
		for i, m := range modes {
			name := fmt.Sprintf("%s/prov=%d/%s/reactivate=%v", tt.state, tt.prov, m.mode, m.reactivate)
			t.Run(name, func(t *testing.T) {
				got := decide(row, states[tt.state], m.mode, tt.prov, m.reactivate)
				if got.kind != tt.want[i] {
					t.Errorf("decide = %q, want %q", got.describe(), action{kind: tt.want[i]}.describe())
				}
			})
		}
	}
}

// The patch holds exactly the fields that differ, with the row's values; warnings say why a
// user was left alone.
func TestDecidePatchAndWarnings(t *testing.T) {
	have := observe(&authentik.User{PK: 1, Username: "bob", Name: "Bob", Email: "old@example.com", IsActive: false,
		Path: "users/staff", Type: "internal", Groups: []string{"A-1"}, LastLogin: ptr("2024-01-02T03:04:00Z"),
		Attributes: map[string]any{"dept": "IT", "ids": map[string]any{"hr": 1.0}}}, true)
	tests := []struct {
		name       string
		req        authentik.UserRequest
		reactivate bool
		wantKind   actionKind
		wantPatch  map[string]any
		wantWarn   []string
	}{
		{"equal, inactive kept", authentik.UserRequest{Name: ptr("Bob"), LastLogin: ptr("2024-01-02 04:04+01:00"), Groups: []string{"a-1"},
			Attributes: map[string]any{"ids": map[string]any{"hr": 1}}}, false, actUnchanged, map[string]any{}, []string{warnInactive}},
		{"email and groups", authentik.UserRequest{Name: ptr("Bob"), Email: ptr("new@example.com"), Groups: []string{}}, false, actUpdate,
			map[string]any{"email": "new@example.com", "groups": []string{}}, []string{warnInactive}},
		{"reactivated", authentik.UserRequest{Name: ptr("Bob")}, true, actReactivate, map[string]any{"is_active": true}, nil},
		{"the row's is_active wins over --reactivate", authentik.UserRequest{Name: ptr("Bob"), IsActive: ptr(false)}, true, actUnchanged, map[string]any{}, nil},
		{"attributes merged", authentik.UserRequest{Attributes: map[string]any{"dept": "HR"}}, false, actUpdate,
			map[string]any{"attributes": map[string]any{"dept": "HR", "ids": map[string]any{"hr": 1.0}}}, []string{warnInactive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(&tt.req, have, OnExistingUpdate, preExisting, tt.reactivate)
			if got.kind != tt.wantKind || !reflect.DeepEqual(got.patch, tt.wantPatch) && len(got.patch)+len(tt.wantPatch) > 0 ||
				!reflect.DeepEqual(got.warnings, tt.wantWarn) {
				t.Errorf("decide = %q %v %q, want %q %v %q", got.describe(), got.patch, got.warnings,
					action{kind: tt.wantKind}.describe(), tt.wantPatch, tt.wantWarn)
			}
		})
	}
}

// A snapshot keeps digests only: attributes it cannot vouch for send the planner to read the
// user; attributes it can (every leaf present) need no request.
func TestDecideFromSnapshotDigests(t *testing.T) {
	full := &authentik.User{PK: 1, Username: "c", Name: "C", IsActive: true, Path: "users", Type: "internal",
		Attributes: map[string]any{"a": map[string]any{"b": 1.0, "c": "x"}, "d": true}}
	digest := observe(full, false)
	tests := []struct {
		name  string
		attrs map[string]any
		want  actionKind
	}{
		{"subset of the leaves", map[string]any{"a": map[string]any{"b": 1}}, actUnchanged},
		{"every leaf", map[string]any{"a": map[string]any{"b": 1, "c": "x"}, "d": true}, actUnchanged},
		{"a changed leaf", map[string]any{"a": map[string]any{"b": 2}}, actFetch},
		{"a new key", map[string]any{"e": 1}, actFetch},
		{"an object where a value is", map[string]any{"d": map[string]any{"x": 1}}, actFetch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &authentik.UserRequest{Username: "c", Attributes: tt.attrs}
			if got := decide(req, digest, OnExistingUpdate, preExisting, false); got.kind != tt.want {
				t.Errorf("decide = %q, want %q", got.describe(), action{kind: tt.want}.describe())
			}
		})
	}
}
