package authentiktest

import (
	"net/http"

	"github.com/akimport/akimport/importer/authentik"
)

// serveVersion is GET /admin/version/ (F-V1).
func (s *Server) serveVersion(w http.ResponseWriter) {
	v := s.version.String()
	writeJSON(w, http.StatusOK, authentik.VersionInfo{
		VersionCurrent: v, VersionLatest: v, VersionLatestValid: true, BuildHash: "authentiktest",
	})
}
