package authentiktest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// The 403 details of authentik's token authentication and permission check (F-A2).
const (
	msgNoCredentials    = "Authentication credentials were not provided."
	msgTokenInvalid     = "Token invalid/expired"
	msgUnsupportedAuth  = "Unsupported authentication type"
	msgMalformedHeader  = "Malformed header"
	msgPermissionDenied = "You do not have permission to perform this action."
)

// authenticate is authentik's TokenAuthentication followed by the permission check. It
// returns "" when the request may proceed, otherwise the 403 detail.
func (s *Server) authenticate(r *http.Request) string {
	credentials := pyStrip(r.Header.Get("Authorization"))
	if credentials == "" || !strings.Contains(credentials, " ") {
		return msgNoCredentials
	}
	scheme, key, _ := strings.Cut(credentials, " ")
	switch {
	case scheme != "Bearer":
		return msgUnsupportedAuth
	case key == "":
		return msgMalformedHeader
	case s.token != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.token)) == 1:
		return ""
	case s.readOnly[key]:
		return msgPermissionDenied
	default:
		return msgTokenInvalid
	}
}
