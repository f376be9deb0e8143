package authentiktest

import (
	"cmp"
	"net/http"
	"slices"
)

// selfUser is authentik's UserSelfSerializer: GET /core/users/me/ answers it inside
// {"user": …} (F-V1), with groups as {"name", "pk"} objects ordered by name, not UUIDs.
type selfUser struct {
	PK                int            `json:"pk"`
	Username          string         `json:"username"`
	Name              string         `json:"name"`
	IsActive          bool           `json:"is_active"`
	IsSuperuser       bool           `json:"is_superuser"`
	Groups            []selfGroup    `json:"groups"`
	Email             string         `json:"email"`
	Avatar            string         `json:"avatar"`
	UID               string         `json:"uid"`
	Settings          map[string]any `json:"settings"`
	Type              string         `json:"type"`
	SystemPermissions []string       `json:"system_permissions"`
}

type selfGroup struct {
	Name string `json:"name"`
	PK   string `json:"pk"`
}

// serveMe is GET /core/users/me/ (F-V1): the token's user.
func (s *Server) serveMe(w http.ResponseWriter) {
	u := s.tokenUser
	me := selfUser{PK: u.PK, Username: u.Username, Name: u.Name, IsActive: u.IsActive, IsSuperuser: u.IsSuperuser,
		Groups: []selfGroup{}, Email: u.Email, Avatar: cmp.Or(u.Avatar, avatar(u)), UID: u.UID, Settings: map[string]any{},
		Type: u.Type, SystemPermissions: []string{}}
	for _, g := range s.groups.objects(u.Groups) {
		me.Groups = append(me.Groups, selfGroup{Name: g.Name, PK: g.PK})
	}
	slices.SortFunc(me.Groups, func(a, b selfGroup) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]selfUser{"user": me})
}
