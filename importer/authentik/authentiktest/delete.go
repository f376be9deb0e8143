package authentiktest

import (
	"net/http"
	"slices"
)

// deleteUser is DELETE /core/users/{pk}/ (F-D1): a hard delete; the pk answers 404 after.
func (s *Server) deleteUser(w http.ResponseWriter, pkText string) {
	s.setOnUser(w, pkText, s.store.delete)
}

// delete removes the user with pk.
func (st *store) delete(pk int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byPK[pk]
	if !ok {
		return false
	}
	delete(st.byPK, pk)
	st.removeLocked(rec)
	return true
}

// DeleteUser removes a user by hand, as an admin would in the UI; false when there is none.
func (s *Server) DeleteUser(username string) bool {
	rec, ok := s.store.byUsername(username)
	return ok && s.store.delete(rec.user.PK)
}

// ReplaceUser deletes username's user and creates another of the same name (a new pk and
// uuid), as an admin who recreated the account by hand; it returns the new user.
func (s *Server) ReplaceUser(username string) (pk int, uuid string, ok bool) {
	rec, found := s.store.byUsername(username)
	if !found || !s.store.delete(rec.user.PK) {
		return 0, "", false
	}
	u := rec.user
	u.PK, u.UUID = 0, s.rand.uuid()
	u.Groups = slices.Clone(u.Groups)
	if err := s.store.seed(&userRecord{user: u}); err != nil {
		return 0, "", false
	}
	n, _ := s.store.byUsername(username)
	return n.user.PK, n.user.UUID, true
}
