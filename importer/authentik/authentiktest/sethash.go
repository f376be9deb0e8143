package authentiktest

import (
	"net/http"

	"github.com/akimport/akimport/importer/authentik"
)

// msgInvalidHash and msgWeakHash are the simulator's words for a hash authentik refuses
// (F-H1 gives the status, not the text).
const (
	msgInvalidHash = "Invalid password hash: no enabled hasher can decode it."
	msgWeakHash    = "Password hash parameters are weaker than the current defaults; set override to import it anyway."
)

// setPasswordHash is POST /core/users/{pk}/set_password_hash/ (F-H1, since 2026.5): the
// user is looked up first (404), then the hash must be one an enabled Django hasher decodes;
// since 2026.8 weak parameters are refused unless override is true.
func (s *Server) setPasswordHash(w http.ResponseWriter, r *http.Request, pkText string) {
	if _, ok := s.userAt(w, pkText); !ok {
		return
	}
	data, ok := readObject(w, r)
	if !ok {
		return
	}
	encoded, errs := validatePassword(data)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	h, err := decodeDjangoHash(encoded)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, fieldErrors{"password": {msgInvalidHash}})
		return
	}
	override, _ := data["override"].(bool)
	if h.weak != "" && !override && s.version.AtLeast(authentik.VersionStarting503) {
		writeJSON(w, http.StatusBadRequest, fieldErrors{"password": {msgWeakHash}})
		return
	}
	s.setOnUser(w, pkText, func(pk int) bool { return s.store.setPasswordHash(pk, encoded) })
}

// setPasswordHash stores the hash of the user with pk; it replaces any password.
func (st *store) setPasswordHash(pk int, encoded string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byPK[pk]
	if ok {
		rec.passwordHash, rec.password, rec.hasPassword = encoded, "", false
	}
	return ok
}

// CheckPassword reports whether password logs username in: against the hash set with
// set_password_hash, verified with Django's algorithm for it, or against the password set
// with set_password. False when the user has neither.
func (s *Server) CheckPassword(username, password string) bool {
	rec, ok := s.store.byUsername(username)
	switch {
	case !ok:
		return false
	case rec.passwordHash != "":
		h, err := decodeDjangoHash(rec.passwordHash)
		return err == nil && h.verify(password)
	case rec.hasPassword:
		return rec.password == password
	}
	return false
}

// PasswordHashOf is the hash username's password was set from ("" when none), for tests
// that ask Django whether it verifies.
func (s *Server) PasswordHashOf(username string) string {
	rec, ok := s.store.byUsername(username)
	if !ok {
		return ""
	}
	return rec.passwordHash
}

// HasPasswordHash reports whether username's password was set from a hash.
func (s *Server) HasPasswordHash(username string) bool {
	rec, ok := s.store.byUsername(username)
	return ok && rec.passwordHash != ""
}

// verifyPasswordPath is the simulator's own route (not authentik's) that checks a login the
// way authentik's password stage would, for demos and by-hand checks with aksim:
// POST {"username": …, "password": …} → {"valid": true|false}.
const verifyPasswordPath = "/-/aksim/verify-password/"

// RouteVerifyPassword labels verifyPasswordPath in Stats.
const RouteVerifyPassword = "POST /-/aksim/verify-password/"

func (s *Server) verifyPassword(w http.ResponseWriter, r *http.Request) {
	data, ok := readObject(w, r)
	if !ok {
		return
	}
	username, _ := data["username"].(string)
	password, _ := data["password"].(string)
	writeJSON(w, http.StatusOK, map[string]bool{"valid": s.CheckPassword(username, password)})
}
