package authentiktest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// groupSet holds the seeded groups. It never changes after New, so it needs no lock.
type groupSet struct {
	byPK   map[string]authentik.Group // canonical UUID → group
	byName []authentik.Group          // ordered by name, as GET /core/groups/ lists them
}

func newGroupSet(seed []authentik.Group) (*groupSet, error) {
	gs := &groupSet{byPK: make(map[string]authentik.Group, len(seed))}
	for i, g := range seed {
		pk, ok := parsePyUUID(g.PK)
		if !ok {
			return nil, fmt.Errorf("seed group %d (%q): pk %q is not a UUID", i+1, g.Name, g.PK)
		}
		if _, dup := gs.byPK[pk]; dup {
			return nil, fmt.Errorf("seed group %d (%q): pk %s is given twice", i+1, g.Name, pk)
		}
		g.PK = pk
		if g.NumPK == 0 {
			g.NumPK = i + 1
		}
		if g.Attributes == nil {
			g.Attributes = map[string]any{}
		}
		gs.byPK[pk] = g
		gs.byName = append(gs.byName, g)
	}
	slices.SortStableFunc(gs.byName, func(a, b authentik.Group) int { return strings.Compare(a.Name, b.Name) })
	return gs, nil
}

func (gs *groupSet) has(pk string) bool { _, ok := gs.byPK[pk]; return ok }

// objects is a user's groups_obj: the groups of pks, in the user's order.
func (gs *groupSet) objects(pks []string) []authentik.Group {
	objs := make([]authentik.Group, 0, len(pks))
	for _, pk := range pks {
		if g, ok := gs.byPK[pk]; ok {
			objs = append(objs, g)
		}
	}
	return objs
}

// groupOut is GroupSerializer's answer: the partial group plus its members and roles.
type groupOut struct {
	authentik.Group
	Users    []int         `json:"users"`
	UsersObj []groupMember `json:"users_obj"`
	Roles    []string      `json:"roles"`
	RolesObj []any         `json:"roles_obj"`
}

// groupMember is GroupMemberSerializer.
type groupMember struct {
	PK         int            `json:"pk"`
	Username   string         `json:"username"`
	Name       string         `json:"name"`
	IsActive   bool           `json:"is_active"`
	LastLogin  *string        `json:"last_login"`
	Email      string         `json:"email"`
	Attributes map[string]any `json:"attributes"`
	UID        string         `json:"uid"`
}

// listGroups is GET /core/groups/ (F-L4): filters name (exact) and is_superuser, ordered by
// name, paginated; include_users=false leaves users_obj null.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := lastValue(q, "name")
	superuser, filterSuperuser := boolFilter(lastValue(q, "is_superuser"))
	var matches []authentik.Group
	for _, g := range s.groups.byName {
		if name != "" && g.Name != name || filterSuperuser && g.IsSuperuser != superuser {
			continue
		}
		matches = append(matches, g)
	}
	p, offset, limit, ok := paginate(len(matches), lastValue(q, "page"), lastValue(q, "page_size"))
	if !ok {
		writeDetail(w, http.StatusNotFound, msgInvalidPage)
		return
	}
	page := matches[offset : offset+limit]
	includeUsers := includeFlag(q, "include_users")
	members := s.store.members(groupPKs(page))
	results := make([]groupOut, 0, len(page))
	for _, g := range page {
		out := groupOut{Group: g, Users: []int{}, Roles: []string{}, RolesObj: []any{}}
		if includeUsers {
			out.UsersObj = []groupMember{}
		}
		for _, m := range members[g.PK] {
			out.Users = append(out.Users, m.PK)
			if includeUsers {
				out.UsersObj = append(out.UsersObj, m)
			}
		}
		results = append(results, out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"pagination": p, "results": results})
}

func groupPKs(groups []authentik.Group) map[string]bool {
	pks := make(map[string]bool, len(groups))
	for _, g := range groups {
		pks[g.PK] = true
	}
	return pks
}

// groupsCopy returns the seeded groups ordered by name.
func (gs *groupSet) groupsCopy() []authentik.Group {
	out := slices.Clone(gs.byName)
	for i := range out {
		out[i].Attributes = maps.Clone(out[i].Attributes)
	}
	return out
}
