package authentiktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

// F-L6: ordering= sorts by the named fields (DRF's OrderingFilter): "-" descends, unknown
// fields are dropped, several fields break ties; IgnoreOrdering keeps the username order.
func TestListUsersOrdering(t *testing.T) {
	seed := listSeed() // carol, alice, Bob, dave, erin: pks 1..5 in that order
	_, ts := newTestServer(t, Options{Users: seed})
	_, ignoring := newTestServer(t, Options{Users: seed, IgnoreOrdering: true})
	tests := []struct {
		name, query, want string
		ignoring          bool
	}{
		{"default by username", "", "Bob,alice,carol,dave,erin", false},
		{"pk", "ordering=pk", "carol,alice,Bob,dave,erin", false},
		{"-pk", "ordering=-pk", "erin,dave,Bob,alice,carol", false},
		{"-pk, one a page", "ordering=-pk&page_size=1", "erin", false},
		{"unknown field dropped", "ordering=colour,-pk", "erin,dave,Bob,alice,carol", false},
		{"only unknown: default", "ordering=colour", "Bob,alice,carol,dave,erin", false},
		{"two fields", "ordering=-is_active,email,-pk", "erin,Bob,alice,carol,dave", false},
		{"last value wins", "ordering=pk&ordering=-pk", "erin,dave,Bob,alice,carol", false},
		{"spaces around fields", "ordering=%20-pk%20", "erin,dave,Bob,alice,carol", false},
		{"filter and order", "path_startswith=users/imported&ordering=-pk", "dave,Bob", false},
		{"ignored by the server", "ordering=-pk", "Bob,alice,carol,dave,erin", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ts
			if tt.ignoring {
				srv = ignoring
			}
			resp := do(t, srv, request{method: "GET", path: "core/users/?" + tt.query})
			if got := usernames(decode[authentik.UserList](t, resp.body)); got != tt.want {
				t.Errorf("users %q, want %q", got, tt.want)
			}
		})
	}
}

// F-L6: pks come from a sequence: every seeded user's pk is below every created user's, and
// a deleted user's pk is never given again.
func TestPKSequence(t *testing.T) {
	seed := SeedUsers("a", "b", "c")
	seed[1].PK = 40 // an explicit pk: later users still come above it
	s, ts := newTestServer(t, Options{Users: seed})
	var seededMax int
	for _, u := range s.Users() {
		seededMax = max(seededMax, u.PK)
	}
	first := mustCreate(t, ts, `{"username":"d","name":"d"}`)
	if first.PK <= seededMax {
		t.Fatalf("created pk %d, want above every seeded pk (%d)", first.PK, seededMax)
	}
	if !s.DeleteUser("d") {
		t.Fatal("DeleteUser")
	}
	if again := mustCreate(t, ts, `{"username":"d","name":"d"}`); again.PK <= first.PK {
		t.Errorf("recreated pk %d, want above the deleted %d: pks are never reused", again.PK, first.PK)
	}
}

// Writes counts, per username, the writes authentik carried out: failed ones are not counted.
func TestWritesPerUser(t *testing.T) {
	stage := EmailStage{PK: NameUUID("onboarding"), Name: "onboarding"}
	seed := SeedUsers("bob", "carol")
	seed[0].Email = "bob@example.com"
	s, ts := newTestServer(t, Options{Users: seed, EmailStages: []EmailStage{stage}})
	bob, _ := s.UserByUsername("bob")
	path := func(route string) string { return fmt.Sprintf("core/users/%d/%s", bob.PK, route) }
	hash := MakePBKDF2SHA256("pw", "salt1234", 1000)
	calls := []request{
		{method: http.MethodPost, path: path("set_password/"), body: `{"password":"one"}`},
		{method: http.MethodPost, path: path("set_password/"), body: `{"password":"two"}`},
		{method: http.MethodPost, path: path("set_password/"), body: `{}`}, // 400: not counted
		{method: http.MethodPost, path: path("set_password_hash/"), body: `{"password":"` + hash + `"}`},
		{method: http.MethodPost, path: path("set_password_hash/"), body: `{"password":"nonsense"}`}, // 400
		{method: http.MethodPost, path: path("recovery_email/"), body: `{"email_stage":"` + stage.PK + `"}`},
		{method: http.MethodPatch, path: path(""), body: `{"name":"Bob"}`},
		{method: http.MethodPatch, path: path(""), body: `{"is_active":false,"email":"b@example.com"}`},
		{method: http.MethodPatch, path: path(""), body: `{"email":"not an e-mail"}`}, // 400
		{method: http.MethodDelete, path: path("")},
		{method: http.MethodDelete, path: path("")}, // 404: gone
	}
	for _, c := range calls {
		do(t, ts, c)
	}
	want := WriteCounts{SetPassword: 2, LastPassword: "two", SetPasswordHash: 1, LastHash: hash, RecoveryEmails: 1,
		Patches: 2, PatchedFields: []string{"email", "is_active", "name"}, Deactivations: 1, Deletes: 1}
	got := s.Writes("bob")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Writes(bob) = %+v\nwant %+v", got, want)
	}
	if got := s.Writes("carol"); fmt.Sprint(got) != fmt.Sprint(WriteCounts{}) {
		t.Errorf("Writes(carol) = %+v, want none", got)
	}
}

// UpdateUser changes a user by hand and keeps its identity; UserJSON is its GET answer.
func TestUpdateUserAndUserJSON(t *testing.T) {
	s, ts := newTestServer(t, Options{Users: SeedUsers("bob", "carol")})
	before, _ := s.UserByUsername("bob")
	if !s.UpdateUser("bob", func(u *authentik.User) { u.Path, u.IsSuperuser, u.PK, u.Username = "elsewhere", true, 99, "robert" }) {
		t.Fatal("UpdateUser")
	}
	after, ok := s.UserByUsername("robert")
	if !ok || after.PK != before.PK || after.UUID != before.UUID || after.Path != "elsewhere" || !after.IsSuperuser {
		t.Errorf("after UpdateUser: %+v (before %+v)", after, before)
	}
	if _, ok := s.UserByUsername("bob"); ok {
		t.Error("bob is still found under its old name")
	}
	if s.UpdateUser("robert", func(u *authentik.User) { u.Username = "carol" }) || s.UpdateUser("nobody", func(*authentik.User) {}) {
		t.Error("UpdateUser took a username that exists, or changed a user that does not")
	}
	raw, _ := s.UserJSON("robert")
	resp := do(t, ts, request{method: http.MethodGet, path: fmt.Sprintf("core/users/%d/", after.PK)})
	if string(raw) != resp.body {
		t.Errorf("UserJSON %s\nGET answers %s", raw, resp.body)
	}
}

// Integers keep every digit through a PATCH, as Python's json keeps them; floats are
// Python floats.
func TestAttributesKeepIntegers(t *testing.T) {
	seed := SeedUsers("bob")
	seed[0].Attributes = map[string]any{"big": json.Number("9007199254740993")}
	s, ts := newTestServer(t, Options{Users: seed})
	bob, _ := s.UserByUsername("bob")
	raw, _ := s.UserJSON("bob")
	if !strings.Contains(string(raw), `"attributes":{"big":9007199254740993}`) {
		t.Fatalf("seeded attributes: %s", raw)
	}
	do(t, ts, request{method: http.MethodPatch, path: fmt.Sprintf("core/users/%d/", bob.PK),
		body: `{"attributes":{"big":9007199254740993,"f":1.50,"n":-0,"huge":123456789012345678901234567890,"small":42}}`})
	raw, _ = s.UserJSON("bob")
	want := `"attributes":{"big":9007199254740993,"f":1.5,"huge":123456789012345678901234567890,"n":0,"small":42}`
	if !strings.Contains(string(raw), want) {
		t.Errorf("after PATCH: %s\nwant %s", raw, want)
	}
}

// TokenUsername makes a seeded, listed user the token's own (F-V1).
func TestTokenUsername(t *testing.T) {
	seed := SeedUsers("akadmin", "bob")
	seed[0].IsSuperuser = true
	s, ts := newTestServer(t, Options{Users: seed, TokenUsername: "akadmin"})
	me := decode[authentik.SessionUser](t, do(t, ts, request{method: http.MethodGet, path: "core/users/me/"}).body)
	listed, _ := s.UserByUsername("akadmin")
	if me.User.PK == 0 || me.User.PK != listed.PK || !me.User.IsSuperuser {
		t.Errorf("me %+v, want the listed akadmin (pk %d)", me.User, listed.PK)
	}
	if _, err := New(Options{Users: seed, TokenUsername: "nobody"}); err == nil {
		t.Error("New took a TokenUsername that is not seeded")
	}
	if !slices.ContainsFunc(s.Users(), func(u authentik.User) bool { return u.Username == "akadmin" }) {
		t.Error("akadmin not listed")
	}
}
