package authentiktest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

// F-V1: /core/users/me/ answers the self serializer's fields inside {"user": …}, the groups
// as {"name", "pk"} objects ordered by name.
func TestMeIsTheSelfSerializer(t *testing.T) {
	me := authentik.User{PK: 7, Username: "boss", Name: "The Boss", IsActive: true, Groups: []string{staffPK, salesPK}, Type: typeInternal}
	_, ts := newTestServer(t, Options{Version: "2026.5.0", TokenUser: &me})
	got := do(t, ts, request{method: http.MethodGet, path: "core/users/me/"})
	var body map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(got.body), &body); err != nil || got.status != http.StatusOK {
		t.Fatalf("%d %s: %v", got.status, got.body, err)
	}
	var keys []string
	for k := range body["user"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"avatar", "email", "groups", "is_active", "is_superuser", "name", "pk", "settings", "system_permissions", "type", "uid", "username"}
	if len(body) != 1 || !slices.Equal(keys, want) {
		t.Errorf("keys %v of %v, want user with %v", keys, body, want)
	}
	if g := string(body["user"]["groups"]); g != `[{"name":"sales","pk":"`+salesPK+`"},{"name":"staff","pk":"`+staffPK+`"}]` {
		t.Errorf("groups %s", g)
	}
}

// F-L1: an invalid uuid= is django-filter's 400; a blank one filters nothing.
func TestUUIDFilter(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: SeedUsers("alice", "bob")})
	for _, q := range []string{"uuid=nope", "uuid=1234", "uuid=%20x%20"} {
		wantResponse(t, do(t, ts, request{method: http.MethodGet, path: "core/users/?" + q}), http.StatusBadRequest, `{"uuid":["Enter a valid UUID."]}`)
	}
	if got := do(t, ts, request{method: http.MethodGet, path: "core/users/?uuid=%20"}); got.status != http.StatusOK || usernames(decode[authentik.UserList](t, got.body)) != "alice,bob" {
		t.Errorf("blank uuid: %d %s", got.status, got.body)
	}
}
