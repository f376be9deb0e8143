package authentiktest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
)

func listSeed() []SeedUser {
	users := SeedUsers("carol", "alice", "Bob", "dave", "erin")
	users[0].Email, users[1].Email = "shared@example.com", "shared@example.com"
	users[2].Path = "users/imported"
	users[3].Path = "users/imported/2024"
	users[3].IsActive = false
	users[4].Name = "Erin Example"
	users[4].Groups = []string{staffPK}
	return users
}

func usernames(list authentik.UserList) string {
	names := make([]string, len(list.Results))
	for i, u := range list.Results {
		names[i] = u.Username
	}
	return strings.Join(names, ",")
}

// F-L1: filters, ordering by username, and the pagination object.
func TestListUsers(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: listSeed()})
	tests := []struct {
		name      string
		query     string
		wantNames string
		wantPage  authentik.Pagination
	}{
		{"all, by username", "", "Bob,alice,carol,dave,erin", authentik.Pagination{Count: 5, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 5}},
		{"username exact", "username=alice", "alice", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"username case-sensitive", "username=bob", "", authentik.Pagination{Current: 1, TotalPages: 1}},
		{"username not a prefix", "username=al", "", authentik.Pagination{Current: 1, TotalPages: 1}},
		{"last value wins", "username=nobody&username=dave", "dave", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		// F-L1: filter values are stripped like F-U3a.
		{"username stripped", "username=alice%20", "alice", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"username stripped, leading", "username=%09alice", "alice", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"blank filter ignored", "username=%20", "Bob,alice,carol,dave,erin", authentik.Pagination{Count: 5, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 5}},
		{"empty filter ignored", "username=", "Bob,alice,carol,dave,erin", authentik.Pagination{Count: 5, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 5}},
		{"email", "email=shared@example.com", "alice,carol", authentik.Pagination{Count: 2, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 2}},
		{"name", "name=Erin+Example", "erin", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"path", "path=users/imported", "Bob", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"path_startswith", "path_startswith=users/imported", "Bob,dave", authentik.Pagination{Count: 2, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 2}},
		{"is_active false", "is_active=false", "dave", authentik.Pagination{Count: 1, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 1}},
		{"is_active True", "is_active=True", "Bob,alice,carol,erin", authentik.Pagination{Count: 4, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 4}},
		{"page 1 of 3", "page_size=2", "Bob,alice", authentik.Pagination{Next: 2, Count: 5, Current: 1, TotalPages: 3, StartIndex: 1, EndIndex: 2}},
		{"page 2 of 3", "page_size=2&page=2", "carol,dave", authentik.Pagination{Next: 3, Previous: 1, Count: 5, Current: 2, TotalPages: 3, StartIndex: 3, EndIndex: 4}},
		{"page 3 of 3", "page_size=2&page=3", "erin", authentik.Pagination{Previous: 2, Count: 5, Current: 3, TotalPages: 3, StartIndex: 5, EndIndex: 5}},
		{"last page", "page_size=2&page=last", "erin", authentik.Pagination{Previous: 2, Count: 5, Current: 3, TotalPages: 3, StartIndex: 5, EndIndex: 5}},
		{"page_size 0 is the default", "page_size=0", "Bob,alice,carol,dave,erin", authentik.Pagination{Count: 5, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 5}},
		{"unknown parameters ignored", "colour=blue", "Bob,alice,carol,dave,erin", authentik.Pagination{Count: 5, Current: 1, TotalPages: 1, StartIndex: 1, EndIndex: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, ts, request{method: "GET", path: "core/users/?" + tt.query})
			if resp.status != http.StatusOK {
				t.Fatalf("status %d %s", resp.status, resp.body)
			}
			list := decode[authentik.UserList](t, resp.body)
			if got := usernames(list); got != tt.wantNames {
				t.Errorf("users %q, want %q", got, tt.wantNames)
			}
			if list.Pagination != tt.wantPage {
				t.Errorf("pagination %+v, want %+v", list.Pagination, tt.wantPage)
			}
		})
	}
}

// F-L1: an empty list's exact body, and pages past the end.
func TestListUsersPages(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: listSeed()})
	wantResponse(t, do(t, ts, request{method: "GET", path: "core/users/?username=nobody"}), http.StatusOK,
		`{"pagination":{"next":0,"previous":0,"count":0,"current":1,"total_pages":1,"start_index":0,"end_index":0},"results":[]}`)
	for _, query := range []string{"page=2", "page=0", "page=-1", "page=abc", "page=1.0", "page_size=2&page=4"} {
		t.Run(query, func(t *testing.T) {
			wantResponse(t, do(t, ts, request{method: "GET", path: "core/users/?" + query}), http.StatusNotFound, `{"detail":"Invalid page."}`)
		})
	}
}

// F-L1: page_size is at most 100 and defaults to 100.
func TestListUsersPageSizeLimit(t *testing.T) {
	names := make([]string, 150)
	for i := range names {
		names[i] = "user" + string(rune('a'+i/26)) + string(rune('a'+i%26))
	}
	_, ts := newTestServer(t, Options{Users: SeedUsers(names...)})
	for _, query := range []string{"", "page_size=1000", "page_size=x"} {
		list := decode[authentik.UserList](t, do(t, ts, request{method: "GET", path: "core/users/?" + query}).body)
		if len(list.Results) != 100 || list.Pagination.TotalPages != 2 || list.Pagination.Next != 2 {
			t.Errorf("%q: %d results, pagination %+v; want 100 of 2 pages", query, len(list.Results), list.Pagination)
		}
	}
}

// F-L1: include_groups=false makes groups_obj null; groups stays.
func TestListUsersIncludeGroups(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: listSeed()})
	tests := []struct {
		query      string
		wantObject bool
	}{{"", true}, {"&include_groups=true", true}, {"&include_groups=TRUE", true}, {"&include_groups=false", false}, {"&include_groups=0", false}}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := do(t, ts, request{method: "GET", path: "core/users/?username=erin" + tt.query})
			u := decode[authentik.UserList](t, resp.body).Results[0]
			if !slices.Equal(u.Groups, []string{staffPK}) {
				t.Errorf("groups %v, want [%s]", u.Groups, staffPK)
			}
			if got := len(u.GroupsObj) == 1 && u.GroupsObj[0].Name == "staff"; got != tt.wantObject {
				t.Errorf("groups_obj %v, want present=%v", u.GroupsObj, tt.wantObject)
			}
			if !tt.wantObject && !strings.Contains(resp.body, `"groups_obj":null`) {
				t.Errorf("body %s has no \"groups_obj\":null", resp.body)
			}
		})
	}
}

// F-L4: groups are found by exact name; include_users=false makes users_obj null.
func TestListGroups(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: listSeed()})
	tests := []struct {
		name      string
		query     string
		wantNames string
		wantUsers string // users_obj of the first result; "null" when not included
	}{
		{"all by name", "", "sales,staff", "[]"},
		{"exact name", "name=staff", "staff", `[{"pk":5,"username":"erin","name":"Erin Example","is_active":true,"last_login":null,"email":"","attributes":{},"uid":"`},
		{"not case-insensitive", "name=Staff", "", ""},
		{"not a prefix", "name=sta", "", ""},
		{"include_users=false", "name=staff&include_users=false", "staff", "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, ts, request{method: "GET", path: "core/groups/?" + tt.query})
			list := decode[authentik.GroupList](t, resp.body)
			var names []string
			for _, g := range list.Results {
				names = append(names, g.Name)
			}
			if got := strings.Join(names, ","); got != tt.wantNames {
				t.Errorf("groups %q, want %q (%s)", got, tt.wantNames, resp.body)
			}
			if tt.wantUsers != "" && !strings.Contains(resp.body, `"users_obj":`+tt.wantUsers) {
				t.Errorf("body %s lacks users_obj %s", resp.body, tt.wantUsers)
			}
			if len(list.Results) > 0 && list.Results[0].Name == "staff" && list.Results[0].PK != staffPK {
				t.Errorf("staff pk %q, want %q", list.Results[0].PK, staffPK)
			}
		})
	}
	wantResponse(t, do(t, ts, request{method: "GET", path: "core/groups/?page=3"}), http.StatusNotFound, `{"detail":"Invalid page."}`)
}
