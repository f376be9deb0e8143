package authentiktest

import (
	"net/http"

	"github.com/akimport/akimport/importer/authentik"
)

// serveMe is GET /core/users/me/ (F-V1): the token's user.
func (s *Server) serveMe(w http.ResponseWriter) {
	u := s.render(s.tokenUser, false)
	writeJSON(w, http.StatusOK, authentik.SessionUser{User: u})
}
