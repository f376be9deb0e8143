package authentiktest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

// F-U1: a create answers 201 with the full user and authentik's defaults; the avatar is
// the "initials" kind, which needs no outside lookup (F-U14).
func TestCreateAnswersFullUser(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	resp := create(t, ts, `{"username":"jdoe","name":"Jane Doe","email":"jane@example.com","groups":["`+salesPK+`"]}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d %s, want 201", resp.status, resp.body)
	}
	raw := decode[map[string]any](t, resp.body)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"attributes", "avatar", "email", "groups", "groups_obj", "is_active", "is_superuser",
		"last_login", "name", "path", "pk", "type", "uid", "username", "uuid"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys %v, want %v", keys, wantKeys)
	}
	u := decode[authentik.User](t, resp.body)
	checks := []struct {
		name string
		ok   bool
	}{
		{"pk is 1", u.PK == 1},
		{"uuid is a v4 UUID", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.UUID)},
		{"uid is a sha256", regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(u.UID)},
		{"avatar is a data URI", strings.HasPrefix(u.Avatar, "data:image/svg+xml;base64,")},
		{"is_active defaults to true", u.IsActive},
		{"is_superuser is false", !u.IsSuperuser},
		{"last_login is null", u.LastLogin == nil && strings.Contains(resp.body, `"last_login":null`)},
		{"path defaults to users", u.Path == "users"},
		{"type defaults to internal", u.Type == "internal"},
		{"attributes default to {}", u.Attributes != nil && len(u.Attributes) == 0},
		{"groups as sent", slices.Equal(u.Groups, []string{salesPK})},
		{"groups_obj holds the group", len(u.GroupsObj) == 1 && u.GroupsObj[0].Name == "sales" && u.GroupsObj[0].Attributes["region"] == "emea"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %s", c.name, resp.body)
		}
	}
	second := mustCreate(t, ts, `{"username":"second","name":""}`)
	if second.PK != 2 || second.UUID == u.UUID || second.UID == u.UID {
		t.Errorf("second user %+v shares identifiers with the first %+v", second, u)
	}
}

// validationCase is a create body and the exact 400 body it must get.
type validationCase struct {
	name string
	body string
	want string
}

func runValidationCases(t *testing.T, cases []validationCase) {
	t.Helper()
	_, ts := newTestServer(t, Options{Users: SeedUsers("taken", "Case")})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := create(t, ts, tt.body)
			if tt.want == "" {
				if got.status != http.StatusCreated {
					t.Errorf("got %d %s, want 201", got.status, got.body)
				}
				return
			}
			wantResponse(t, got, http.StatusBadRequest, tt.want)
		})
	}
}

// F-U2: every field's errors come back together, in the serializer's field order.
func TestCreateAllErrorsTogether(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"username and email", `{"name":"x","email":"nope"}`,
			`{"username":["This field is required."],"email":["Enter a valid email address."]}`},
		{"everything wrong", `{"username":"","is_active":"maybe","last_login":"yesterday","groups":"x","email":"@","attributes":[],"path":"/a","type":"admin"}`,
			`{"username":["This field may not be blank."],"name":["This field is required."],"is_active":["Must be a valid boolean."],` +
				`"last_login":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],` +
				`"groups":["Expected a list of items but got type \"str\"."],"email":["Enter a valid email address."],` +
				`"attributes":["Value must be a dictionary, and not have any duplicate keys."],"path":["No leading or trailing slashes allowed."],` +
				`"type":["\"admin\" is not a valid choice."]}`},
		{"taken username with another error", `{"username":"taken","name":"x","email":"bad"}`,
			`{"username":["This field must be unique."],"email":["Enter a valid email address."]}`},
	})
}

// F-U3: username rules.
func TestCreateUsername(t *testing.T) {
	long := strings.Repeat("é", 151)
	runValidationCases(t, []validationCase{
		{"missing", `{"name":"x"}`, `{"username":["This field is required."]}`},
		{"blank", `{"username":"","name":"x"}`, `{"username":["This field may not be blank."]}`},
		{"only spaces", `{"username":"   ","name":"x"}`, `{"username":["This field may not be blank."]}`},
		{"null", `{"username":null,"name":"x"}`, `{"username":["This field may not be null."]}`},
		{"a list", `{"username":["a"],"name":"x"}`, `{"username":["Not a valid string."]}`},
		{"a boolean", `{"username":true,"name":"x"}`, `{"username":["Not a valid string."]}`},
		{"151 characters", `{"username":"` + long + `","name":"x"}`, `{"username":["Ensure this field has no more than 150 characters."]}`},
		{"a null character", `{"username":"a\u0000b","name":"x"}`, `{"username":["Null characters are not allowed."]}`},
		{"taken", `{"username":"taken","name":"x"}`, `{"username":["This field must be unique."]}`},
		{"taken after trimming", `{"username":" taken ","name":"x"}`, `{"username":["This field must be unique."]}`},
		{"150 characters", `{"username":"` + long[2:] + `","name":"x"}`, ``},
		{"any characters", `{"username":"ünï cødé/@+:;","name":"x"}`, ``},
		{"case-sensitive uniqueness", `{"username":"case","name":"x"}`, ``},
		{"a number becomes a string", `{"username":12345,"name":"x"}`, ``},
	})
}

// F-U4: name is required but may be blank.
func TestCreateName(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"missing", `{"username":"n1"}`, `{"name":["This field is required."]}`},
		{"null", `{"username":"n2","name":null}`, `{"name":["This field may not be null."]}`},
		{"an object", `{"username":"n3","name":{}}`, `{"name":["Not a valid string."]}`},
		{"blank", `{"username":"n4","name":""}`, ``},
		{"long", `{"username":"n5","name":"` + strings.Repeat("n", 5000) + `"}`, ``},
	})
}

// F-U5: email is optional, must be valid, at most 254 characters, and not unique.
func TestCreateEmail(t *testing.T) {
	long := strings.Repeat("a", 250) + "@b.co"
	runValidationCases(t, []validationCase{
		{"invalid", `{"username":"e1","name":"x","email":"not-an-email"}`, `{"email":["Enter a valid email address."]}`},
		{"no domain dot", `{"username":"e2","name":"x","email":"a@b"}`, `{"email":["Enter a valid email address."]}`},
		{"two ats", `{"username":"e3","name":"x","email":"a@@b.com"}`, `{"email":["Enter a valid email address."]}`},
		{"too long", `{"username":"e4","name":"x","email":"` + long + `"}`, `{"email":["Ensure this field has no more than 254 characters."]}`},
		{"too long and invalid", `{"username":"e5","name":"x","email":"` + strings.Repeat("a", 255) + `"}`,
			`{"email":["Ensure this field has no more than 254 characters.","Enter a valid email address."]}`},
		{"null", `{"username":"e6","name":"x","email":null}`, `{"email":["This field may not be null."]}`},
		{"valid", `{"username":"e7","name":"x","email":"shared@example.com"}`, ``},
		{"shared address", `{"username":"e8","name":"x","email":"shared@example.com"}`, ``},
		{"blank", `{"username":"e9","name":"x","email":""}`, ``},
		{"localhost", `{"username":"e10","name":"x","email":"root@localhost"}`, ``},
		{"internationalised domain", `{"username":"e11","name":"x","email":"a@bücher.de"}`, ``},
		{"ip literal", `{"username":"e12","name":"x","email":"a@[127.0.0.1]"}`, ``},
	})
}

// F-U6: is_active accepts DRF's boolean values.
func TestCreateIsActive(t *testing.T) {
	cases := []validationCase{
		{"a word", `{"username":"b1","name":"x","is_active":"maybe"}`, `{"is_active":["Must be a valid boolean."]}`},
		{"two", `{"username":"b2","name":"x","is_active":2}`, `{"is_active":["Must be a valid boolean."]}`},
		{"null", `{"username":"b3","name":"x","is_active":null}`, `{"is_active":["This field may not be null."]}`},
		{"empty string", `{"username":"b4","name":"x","is_active":""}`, `{"is_active":["Must be a valid boolean."]}`},
	}
	for i, v := range []string{`true`, `false`, `"true"`, `"false"`, `1`, `0`, `1.0`, `"True"`, `"FALSE"`, `"yes"`, `"no"`, `"on"`, `"off"`, `"1"`, `"0"`, `"t"`, `"F"`} {
		cases = append(cases, validationCase{"accepts " + v, `{"username":"ok` + string(rune('a'+i)) + `","name":"x","is_active":` + v + `}`, ``})
	}
	runValidationCases(t, cases)
}

// F-U6: the accepted values mean what they say.
func TestCreateIsActiveValue(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for i, tt := range []struct {
		value string
		want  bool
	}{{`"false"`, false}, {`0`, false}, {`"off"`, false}, {`"True"`, true}, {`1`, true}} {
		u := mustCreate(t, ts, `{"username":"v`+string(rune('a'+i))+`","name":"x","is_active":`+tt.value+`}`)
		if u.IsActive != tt.want {
			t.Errorf("is_active %s: got %v, want %v", tt.value, u.IsActive, tt.want)
		}
	}
}

// F-U7: last_login is ISO 8601 or null.
func TestCreateLastLogin(t *testing.T) {
	const bad = `{"last_login":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}`
	runValidationCases(t, []validationCase{
		{"words", `{"username":"d1","name":"x","last_login":"yesterday"}`, bad},
		{"a number", `{"username":"d2","name":"x","last_login":1700000000}`, bad},
		{"empty", `{"username":"d3","name":"x","last_login":""}`, bad},
		{"month 13", `{"username":"d4","name":"x","last_login":"2024-13-01T00:00:00Z"}`, bad},
		{"US order", `{"username":"d5","name":"x","last_login":"01/02/2024 10:00"}`, bad},
		{"null", `{"username":"d6","name":"x","last_login":null}`, ``},
		{"zulu", `{"username":"d7","name":"x","last_login":"2024-01-02T03:04:05Z"}`, ``},
		{"offset and fraction", `{"username":"d8","name":"x","last_login":"2024-01-02T03:04:05.123+02:00"}`, ``},
		{"naive", `{"username":"d9","name":"x","last_login":"2024-01-02 03:04"}`, ``},
		{"a date", `{"username":"d10","name":"x","last_login":"2024-01-02"}`, ``},
	})
}

// F-U7: last_login comes back in UTC, as DRF renders it.
func TestCreateLastLoginRendering(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for i, tt := range []struct{ in, want string }{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05.5+02:00", "2024-01-02T01:04:05.500000Z"},
		{"2024-01-02", "2024-01-02T00:00:00Z"},
		{"2024-1-2 3:04", "2024-01-02T03:04:00Z"},
	} {
		u := mustCreate(t, ts, `{"username":"l`+string(rune('a'+i))+`","name":"x","last_login":"`+tt.in+`"}`)
		if u.LastLogin == nil || *u.LastLogin != tt.want {
			t.Errorf("last_login %q: got %v, want %q", tt.in, u.LastLogin, tt.want)
		}
	}
}

// F-U8: groups are a list of existing group UUIDs; the first bad item is reported.
func TestCreateGroups(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"malformed", `{"username":"g1","name":"x","groups":["x"]}`, `{"groups":["“x” is not a valid UUID."]}`},
		{"missing", `{"username":"g2","name":"x","groups":["` + missingPK + `"]}`, `{"groups":["Invalid pk \"` + missingPK + `\" - object does not exist."]}`},
		{"first bad item only", `{"username":"g3","name":"x","groups":["` + staffPK + `","bad","` + missingPK + `"]}`, `{"groups":["“bad” is not a valid UUID."]}`},
		{"a string", `{"username":"g4","name":"x","groups":"` + staffPK + `"}`, `{"groups":["Expected a list of items but got type \"str\"."]}`},
		{"a number", `{"username":"g5","name":"x","groups":5}`, `{"groups":["Expected a list of items but got type \"int\"."]}`},
		{"a boolean", `{"username":"g6","name":"x","groups":true}`, `{"groups":["Expected a list of items but got type \"bool\"."]}`},
		{"null", `{"username":"g7","name":"x","groups":null}`, `{"groups":["This field may not be null."]}`},
		{"a float item", `{"username":"g8","name":"x","groups":[1.5]}`, `{"groups":["“1.5” is not a valid UUID."]}`},
		{"an integer item", `{"username":"g9","name":"x","groups":[5]}`, `{"groups":["Invalid pk \"5\" - object does not exist."]}`},
		{"a boolean item", `{"username":"g10","name":"x","groups":[true]}`, `{"groups":["Incorrect type. Expected pk value, received bool."]}`},
		{"a dict iterates its keys", `{"username":"g11","name":"x","groups":{"k":1}}`, `{"groups":["“k” is not a valid UUID."]}`},
		{"empty", `{"username":"g12","name":"x","groups":[]}`, ``},
		{"upper case and no hyphens", `{"username":"g13","name":"x","groups":["` + strings.ToUpper(strings.ReplaceAll(staffPK, "-", "")) + `"]}`, ``},
	})
}

// F-U9: attributes must be an object.
func TestCreateAttributes(t *testing.T) {
	const bad = `{"attributes":["Value must be a dictionary, and not have any duplicate keys."]}`
	runValidationCases(t, []validationCase{
		{"a list", `{"username":"a1","name":"x","attributes":[1]}`, bad},
		{"a string", `{"username":"a2","name":"x","attributes":"{}"}`, bad},
		{"a number", `{"username":"a3","name":"x","attributes":1}`, bad},
		{"null", `{"username":"a4","name":"x","attributes":null}`, `{"attributes":["This field may not be null."]}`},
		{"an object", `{"username":"a5","name":"x","attributes":{"dept":{"code":7}}}`, ``},
	})
}

// F-U10: path rules.
func TestCreatePath(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"blank", `{"username":"p1","name":"x","path":""}`, `{"path":["This field may not be blank."]}`},
		{"leading slash", `{"username":"p2","name":"x","path":"/a"}`, `{"path":["No leading or trailing slashes allowed."]}`},
		{"trailing slash", `{"username":"p3","name":"x","path":"a/"}`, `{"path":["No leading or trailing slashes allowed."]}`},
		{"empty segment", `{"username":"p4","name":"x","path":"a//b"}`, `{"path":["No empty segments in user path allowed."]}`},
		{"nested", `{"username":"p5","name":"x","path":"users/imported/2024"}`, ``},
	})
}

// F-U11: type rules.
func TestCreateType(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"unknown", `{"username":"t1","name":"x","type":"admin"}`, `{"type":["\"admin\" is not a valid choice."]}`},
		{"blank", `{"username":"t2","name":"x","type":""}`, `{"type":["\"\" is not a valid choice."]}`},
		{"a number", `{"username":"t3","name":"x","type":5}`, `{"type":["\"5\" is not a valid choice."]}`},
		{"internal service account", `{"username":"t4","name":"x","type":"internal_service_account"}`, `{"type":["Setting a user to internal service account is not allowed."]}`},
		{"internal", `{"username":"t5","name":"x","type":"internal"}`, ``},
		{"external", `{"username":"t6","name":"x","type":"external"}`, ``},
		{"service account", `{"username":"t7","name":"x","type":"service_account"}`, ``},
	})
}

// F-U12: unknown keys, including password and is_superuser, are ignored.
func TestCreateIgnoresUnknownKeys(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	u := mustCreate(t, ts, `{"username":"x","name":"X","password":"hunter2","is_superuser":true,"pk":99,"uid":"u","colour":"blue"}`)
	if u.IsSuperuser || u.PK == 99 || u.UID == "u" {
		t.Errorf("read-only keys were taken: %+v", u)
	}
	if _, ok := s.PasswordOf("x"); ok {
		t.Error("a password was set by create")
	}
}

// F-U9: stored attributes hold plain JSON values, as json.Unmarshal gives them.
func TestCreateAttributesStored(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	mustCreate(t, ts, `{"username":"x","name":"X","attributes":{"n":42,"nested":{"list":[1.5,"a",true,null]}}}`)
	u, _ := s.UserByUsername("x")
	nested, _ := u.Attributes["nested"].(map[string]any)
	list, _ := nested["list"].([]any)
	if u.Attributes["n"] != float64(42) || len(list) != 4 || list[0] != 1.5 || list[1] != "a" || list[2] != true || list[3] != nil {
		t.Errorf("attributes %#v", u.Attributes)
	}
}
