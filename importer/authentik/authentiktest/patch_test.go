package authentiktest

import (
	"slices"
	"strconv"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

// F-L2: PATCH changes the fields it is given, with create's validation; groups replaces
// the set; unknown users are 404.
func TestPatchUser(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	alice := mustCreate(t, ts, `{"username":"alice","name":"Alice","email":"a@example.com","groups":["`+staffPK+`"],"attributes":{"a":1}}`)
	mustCreate(t, ts, `{"username":"bob","name":"Bob"}`)
	path := "core/users/" + strconv.Itoa(alice.PK) + "/"
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantBody   string // exact, for errors
		check      func(authentik.User) bool
	}{
		{"name only", path, `{"name":"Alice A."}`, 200, "", func(u authentik.User) bool {
			return u.Name == "Alice A." && u.Email == "a@example.com" && slices.Equal(u.Groups, []string{staffPK})
		}},
		{"groups replaces the set", path, `{"groups":["` + salesPK + `"]}`, 200, "", func(u authentik.User) bool {
			return slices.Equal(u.Groups, []string{salesPK}) && len(u.GroupsObj) == 1 && u.GroupsObj[0].Name == "sales"
		}},
		{"empty groups", path, `{"groups":[]}`, 200, "", func(u authentik.User) bool { return len(u.Groups) == 0 }},
		{"attributes replaced", path, `{"attributes":{"b":2}}`, 200, "", func(u authentik.User) bool {
			return u.Attributes["a"] == nil && u.Attributes["b"] == float64(2)
		}},
		{"deactivate", path, `{"is_active":false}`, 200, "", func(u authentik.User) bool { return !u.IsActive }},
		{"empty body", path, ``, 200, "", func(u authentik.User) bool { return u.Username == "alice" }},
		{"same username", path, `{"username":"alice"}`, 200, "", func(u authentik.User) bool { return u.Username == "alice" }},
		{"internal service account allowed on update", path, `{"type":"internal_service_account"}`, 200, "", func(u authentik.User) bool {
			return u.Type == "internal_service_account"
		}},
		{"cannot leave internal service account", path, `{"type":"internal"}`, 400, `{"type":["Can't change internal service account to other user type."]}`, nil},
		{"same validation", path, `{"email":"nope","path":"a//b","username":""}`, 400,
			`{"username":["This field may not be blank."],"email":["Enter a valid email address."],"path":["No empty segments in user path allowed."]}`, nil},
		{"rename to a taken username", path, `{"username":"bob"}`, 400, `{"username":["This field must be unique."]}`, nil},
		{"unknown pk", "core/users/999/", `{"name":"x"}`, 404, `{"detail":"No User matches the given query."}`, nil},
		{"unknown pk before the body", "core/users/999/", `[`, 404, `{"detail":"No User matches the given query."}`, nil},
		{"pk not a number", "core/users/abc/", `{"name":"x"}`, 404, `{"detail":"Not found."}`, nil},
		{"rename", path, `{"username":"alicia"}`, 200, "", func(u authentik.User) bool { return u.Username == "alicia" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, ts, request{method: "PATCH", path: tt.path, body: tt.body})
			if tt.check == nil {
				wantResponse(t, resp, tt.wantStatus, tt.wantBody)
				return
			}
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", resp.status, resp.body, tt.wantStatus)
			}
			if u := decode[authentik.User](t, resp.body); !tt.check(u) {
				t.Errorf("unexpected user %s", resp.body)
			}
		})
	}
	if _, ok := s.UserByUsername("alice"); ok {
		t.Error("the old username still finds the renamed user")
	}
	if u, ok := s.UserByUsername("alicia"); !ok || u.PK != alice.PK {
		t.Error("the new username does not find the renamed user")
	}
	list := decode[authentik.UserList](t, do(t, ts, request{method: "GET", path: "core/users/"}).body)
	if got := usernames(list); got != "alicia,bob" {
		t.Errorf("list after rename %q, want alicia,bob", got)
	}
	if got := s.Stats().Writes; got != 2+9 {
		t.Errorf("Writes = %d, want 11 (2 creates, 9 patches)", got)
	}
}

// F-L2: GET of one user.
func TestGetUser(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: SeedUsers("alice")})
	resp := do(t, ts, request{method: "GET", path: "core/users/1/"})
	if u := decode[authentik.User](t, resp.body); resp.status != 200 || u.Username != "alice" {
		t.Errorf("got %d %s, want alice", resp.status, resp.body)
	}
	wantResponse(t, do(t, ts, request{method: "GET", path: "core/users/2/"}), 404, `{"detail":"No User matches the given query."}`)
}

// F-L3: set_password answers 204 and stores the password, without any policy.
func TestSetPassword(t *testing.T) {
	s, ts := newTestServer(t, Options{Users: SeedUsers("alice")})
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantBody   string
		wantPass   string
	}{
		{"missing", "core/users/1/set_password/", `{}`, 400, `{"password":["This field is required."]}`, ""},
		{"blank", "core/users/1/set_password/", `{"password":""}`, 400, `{"password":["This field may not be blank."]}`, ""},
		{"null", "core/users/1/set_password/", `{"password":null}`, 400, `{"password":["This field may not be null."]}`, ""},
		{"body checked before the user", "core/users/9/set_password/", `{}`, 400, `{"password":["This field is required."]}`, ""},
		{"unknown user", "core/users/9/set_password/", `{"password":"x"}`, 404, `{"detail":"No User matches the given query."}`, ""},
		{"no policy", "core/users/1/set_password/", `{"password":"a"}`, 204, ``, "a"},
		{"trimmed like every DRF CharField", "core/users/1/set_password/", `{"password":"  s3cret  "}`, 204, ``, "s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResponse(t, do(t, ts, request{method: "POST", path: tt.path, body: tt.body}), tt.wantStatus, tt.wantBody)
			if tt.wantPass != "" {
				if got, ok := s.PasswordOf("alice"); !ok || got != tt.wantPass {
					t.Errorf("PasswordOf = %q, %v; want %q", got, ok, tt.wantPass)
				}
			}
		})
	}
}
