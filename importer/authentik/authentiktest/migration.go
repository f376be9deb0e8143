package authentiktest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

// migration is the state of the routes a migration uses beyond the users API: the version,
// the router's start-up answers, e-mail stages and the recovery e-mails sent.
type migration struct {
	version        authentik.Version
	startingUntil  atomic.Int64 // unix nanoseconds
	backendDownTil atomic.Int64 // unix nanoseconds
	stages         []EmailStage
	noRecoveryFlow bool
	tokenUser      authentik.User

	mailMu sync.Mutex
	mail   []RecoveryEmail // in the order sent
}

func (m *migration) init(opts Options) error {
	v, err := authentik.ParseVersion(cmpOr(opts.Version, DefaultVersion))
	if err != nil {
		return err
	}
	m.version = v
	if opts.StartingFor > 0 {
		m.startingUntil.Store(time.Now().Add(opts.StartingFor).UnixNano())
	}
	for _, st := range opts.EmailStages {
		pk, ok := parsePyUUID(st.PK)
		if !ok || st.Name == "" {
			return fmt.Errorf("e-mail stage %q: want a UUID pk and a name", st.Name)
		}
		m.stages = append(m.stages, EmailStage{PK: pk, Name: st.Name})
	}
	m.noRecoveryFlow = opts.NoRecoveryFlow
	m.tokenUser = authentik.User{Username: "akadmin", Name: "authentik Default Admin", IsActive: true, IsSuperuser: true, Path: "users", Type: typeInternal}
	if opts.TokenUser != nil {
		m.tokenUser = *opts.TokenUser
	}
	return nil
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Version is the release the server behaves as.
func (m *migration) Version() authentik.Version { return m.version }

// matchMigrationRoute maps the routes of migration.go's handlers; ok is false for any
// other path, which matchRoute then maps. A route the version lacks is left to matchRoute,
// which answers it as an unknown path (404), as authentik's URL resolver does.
func (s *Server) matchMigrationRoute(method, path string) (route, bool) {
	if path == verifyPasswordPath {
		return route{label: RouteVerifyPassword, api: true, allowed: method == http.MethodPost}, true
	}
	rest, ok := strings.CutPrefix(path, "/api/v3/")
	if !ok {
		return route{}, false
	}
	parts := strings.Split(rest, "/")
	switch {
	case rest == "admin/version/":
		return route{label: method + " /admin/version/", api: true, allowed: method == http.MethodGet, anyToken: true}, true
	case rest == "core/users/me/":
		return route{label: method + " /core/users/me/", api: true, allowed: method == http.MethodGet, anyToken: true}, true
	case rest == "stages/email/":
		return route{label: method + " /stages/email/", api: true, allowed: method == http.MethodGet}, true
	case method == http.MethodDelete && len(parts) == 4 && parts[0] == "core" && parts[1] == "users" && validPK(parts[2]) && parts[3] == "":
		return route{label: RouteDeleteUser, pk: parts[2], api: true, allowed: true}, true
	case len(parts) == 5 && parts[0] == "core" && parts[1] == "users" && validPK(parts[2]) && parts[4] == "":
		switch parts[3] {
		case "set_password_hash":
			if !s.version.AtLeast(authentik.VersionPasswordHash) {
				return route{}, false // F-H1: 404 before 2026.5
			}
			return route{label: method + " /core/users/{pk}/set_password_hash/", pk: parts[2], api: true, allowed: method == http.MethodPost}, true
		case "recovery_email":
			return route{label: method + " /core/users/{pk}/recovery_email/", pk: parts[2], api: true, allowed: method == http.MethodPost}, true
		}
	}
	return route{}, false
}
