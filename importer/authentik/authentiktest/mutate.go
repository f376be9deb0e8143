package authentiktest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/akimport/akimport/importer/authentik"
)

// UpdateUser changes username's user by hand, as an admin would while a run goes on (move
// it out of a path, make it a superuser, deactivate it). Its pk, uuid and uid stay; a new
// username must be free. False when there is no such user or the new name is taken.
func (s *Server) UpdateUser(username string, change func(*authentik.User)) bool {
	return s.store.update(username, change)
}

func (st *store) update(username string, change func(*authentik.User)) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byName[username]
	if !ok {
		return false
	}
	u := rec.user
	change(&u)
	u.PK, u.UUID, u.UID = rec.user.PK, rec.user.UUID, rec.user.UID
	if u.Username != username {
		if _, taken := st.byName[u.Username]; taken || u.Username == "" {
			return false
		}
		st.removeLocked(rec)
		rec.user = u
		st.insertLocked(rec)
	}
	u.Avatar = avatar(u)
	rec.user = u
	return true
}

// UserJSON is username's user as GET /core/users/{pk}/ answers it, byte for byte: a test
// compares attribute values as authentik would send them back.
func (s *Server) UserJSON(username string) (json.RawMessage, bool) {
	rec, ok := s.store.byUsername(username)
	if !ok {
		return nil, false
	}
	var buf bytes.Buffer
	if err := encodeCompact(&buf, s.render(rec.user, true)); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// useListedTokenUser makes the seeded user named username the token's user (TokenUsername).
func (s *Server) useListedTokenUser(username string) error {
	if username == "" {
		return nil
	}
	rec, ok := s.store.byUsername(username)
	if !ok {
		return fmt.Errorf("TokenUsername %q is not one of the seeded users", username)
	}
	s.tokenUser = rec.user
	return nil
}
