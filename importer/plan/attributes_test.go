package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

// diff gives the fields to PATCH from the whole user (a lookup) and, the attributes aside,
// the same from the snapshot's digests. (Text is compared as the mapping normalised it:
// see mapping's TestNormalisedFieldsWarn.)
func TestDiff(t *testing.T) {
	str := func(s string) *string { return &s }
	yes, no := true, false
	have := authentik.User{
		Username: "jdoe", Name: "Jane Doe", Email: "jane@example.com", IsActive: true, Path: "users", Type: "internal",
		Groups:     []string{"8D4C2F0E-6A51-4B7E-9C3A-1F2E3D4C5B6A", "3b9e7a12-5c4d-4e8f-a1b2-c3d4e5f60718"},
		Attributes: map[string]any{"employee_id": float64(7), "address": map[string]any{"city": "Berlin", "zip": "10115"}, "kept": "x"},
		LastLogin:  str("2024-05-01T08:30:00Z"),
	}
	tests := []struct {
		name string
		req  authentik.UserRequest
		want map[string]any
	}{
		{"nothing given", authentik.UserRequest{Username: "jdoe"}, map[string]any{}},
		{"all equal", authentik.UserRequest{Username: "jdoe", Name: str("Jane Doe"), Email: str("jane@example.com"), IsActive: &yes,
			Path: str("users"), Type: str("internal"), LastLogin: str("2024-05-01T10:30:00+02:00"),
			Groups:     []string{"3b9e7a12-5c4d-4e8f-a1b2-c3d4e5f60718", "8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a"},
			Attributes: map[string]any{"employee_id": 7, "address": map[string]any{"city": "Berlin"}}}, map[string]any{}},
		{"changed fields only", authentik.UserRequest{Username: "jdoe", Name: str("Jane Roe"), IsActive: &no, Email: str("jane@example.com")},
			map[string]any{"name": "Jane Roe", "is_active": false}},
		{"groups are a set that replaces", authentik.UserRequest{Username: "jdoe", Groups: []string{"8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a"}},
			map[string]any{"groups": []string{"8d4c2f0e-6a51-4b7e-9c3a-1f2e3d4c5b6a"}}},
		{"attributes merge and keep other keys", authentik.UserRequest{Username: "jdoe", Attributes: map[string]any{"address": map[string]any{"city": "Paris"}}},
			map[string]any{"attributes": map[string]any{"employee_id": float64(7), "address": map[string]any{"city": "Paris", "zip": "10115"}, "kept": "x"}}},
		{"last login in another form, same instant", authentik.UserRequest{Username: "jdoe", LastLogin: str("2024-05-01 10:30+0200")}, map[string]any{}},
		{"last login moved", authentik.UserRequest{Username: "jdoe", LastLogin: str("2024-05-02T08:30:00Z")}, map[string]any{"last_login": "2024-05-02T08:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, complete := diff(&tt.req, Observe(&have, ""), false)
			if !complete || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("from the user: got %#v (complete %v)\nwant %#v", got, complete, tt.want)
			}
			got, _, complete = diff(&tt.req, fromSnapshot(&have), false)
			_, wantsAttrs := tt.want["attributes"]
			if complete == wantsAttrs || complete && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("from digests: got %#v (complete %v)\nwant %#v (complete %v)", got, complete, tt.want, !wantsAttrs)
			}
		})
	}
}

// A merge re-sends every value it does not change exactly as authentik gave it: integers
// beyond 2^53 and numbers written 1.50 included. Values are compared by value (1 == 1.0).
func TestMergeKeepsNumbersExact(t *testing.T) {
	var have map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"big": 9007199254740993, "f": 1.50, "nested": {"n": 12345678901234567890, "k": 1}, "dept": "IT"}`))
	dec.UseNumber()
	if err := dec.Decode(&have); err != nil {
		t.Fatal(err)
	}
	merged, changed := mergeAttributes(have, map[string]any{"dept": "HR", "nested": map[string]any{"k": json.Number("1.0")}})
	b, _ := json.Marshal(merged)
	want := `{"big":9007199254740993,"dept":"HR","f":1.50,"nested":{"k":1,"n":12345678901234567890}}`
	if !changed || string(b) != want {
		t.Errorf("merged %s (changed %v), want %s", b, changed, want)
	}
	if _, changed := mergeAttributes(have, map[string]any{"f": 1.5, "big": json.Number("9007199254740993")}); changed {
		t.Error("equal values counted as a change")
	}
	if _, changed := mergeAttributes(have, map[string]any{"big": json.Number("9007199254740992")}); !changed {
		t.Error("a change beyond 2^53 was not seen")
	}
	if have["dept"] != "IT" {
		t.Error("the merge changed the user it read")
	}
}
