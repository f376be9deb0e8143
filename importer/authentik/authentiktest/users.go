package authentiktest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

// createUser is POST /core/users/ (F-U1…F-U13). Like authentik, it validates, then spends
// its latency writing the user; a second create of the same username that starts within
// that window fails with 500 (F-U13). A create whose client went away still completes, as
// Django does not notice; a fault that acts first (lost answer, act then 503) replaces the
// answer once the work is done.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, fault FaultKind, due time.Time, retryAfter time.Duration) {
	ctx := r.Context()
	answer := func(write func()) {
		switch fault {
		case FaultLostAnswer:
			s.stats.fault(fault)
			dropConnection(w)
		case FaultActThenUnavailable:
			s.stats.fault(fault)
			writeFault(w, fault, retryAfter)
		default:
			write()
		}
	}
	data, ok := readObject(w, r)
	if !ok {
		return
	}
	in, errs := validateUser(data, false, "", s.groups)
	res := reserved
	if in.Username != nil {
		s.store.notePost(*in.Username)
	}
	if in.Username != nil { // DRF checks uniqueness whatever the other fields hold
		if len(errs) == 0 {
			res = s.store.beginCreate(*in.Username)
		} else if s.store.exists(*in.Username) {
			res = taken
		}
		if res == taken {
			errs.add("username", msgUnique)
		}
		if res != reserved {
			s.stats.duplicate()
		}
	}
	if len(errs) > 0 {
		if sleepUntil(ctx, due) {
			answer(func() { writeJSON(w, http.StatusBadRequest, errs) })
		}
		return
	}
	sleepUntil(ctx, due) // the write goes on even if the client has gone
	if s.beforeInsert != nil {
		s.beforeInsert(*in.Username)
	}
	if res == racing {
		s.store.endCreate(*in.Username)
		answer(func() { writeServerError(w) })
		return
	}
	created, ok := s.store.finishCreate(s.newUser(in))
	if !ok { // taken by a rename meanwhile: the database's unique constraint
		s.stats.duplicate()
		answer(func() { writeServerError(w) })
		return
	}
	s.stats.created()
	answer(func() { writeJSON(w, http.StatusCreated, s.render(created, true)) })
}

// newUser is a validated create body with authentik's defaults for what was not sent.
func (s *Server) newUser(in userInput) authentik.User {
	u := authentik.User{
		UUID:       s.rand.uuid(),
		IsActive:   true,
		Groups:     []string{},
		Attributes: map[string]any{},
		Path:       "users",
		Type:       typeInternal,
	}
	in.apply(&u)
	u.Avatar = avatar(u)
	return u
}

// render is a user as UserSerializer answers it; groups_obj is null without withGroups.
func (s *Server) render(u authentik.User, withGroups bool) authentik.User {
	if u.Groups == nil {
		u.Groups = []string{}
	}
	if u.Attributes == nil {
		u.Attributes = map[string]any{}
	}
	u.GroupsObj = nil
	if withGroups {
		u.GroupsObj = s.groups.objects(u.Groups)
	}
	return u
}

// listUsers is GET /core/users/ (F-L1).
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// django-filter's CharFilter cleans its value with a forms.CharField, which strips it
	// (F-L1, as F-U3a): ?username=alice%20 finds alice.
	username := pyStrip(lastValue(q, "username"))
	email, name, path := pyStrip(lastValue(q, "email")), pyStrip(lastValue(q, "name")), pyStrip(lastValue(q, "path"))
	pathPrefix, userType := pyStrip(lastValue(q, "path_startswith")), lastValue(q, "type")
	uuidText := pyStrip(lastValue(q, "uuid"))
	uuid, filterUUID := parsePyUUID(uuidText)
	if uuidText != "" && !filterUUID { // django-filter's UUIDFilter: an invalid value is a 400
		writeJSON(w, http.StatusBadRequest, fieldErrors{"uuid": {"Enter a valid UUID."}})
		return
	}
	active, filterActive := boolFilter(lastValue(q, "is_active"))
	superuser, filterSuperuser := boolFilter(lastValue(q, "is_superuser"))
	keep := func(u *authentik.User) bool {
		// django-filter skips a filter given an empty value.
		return (email == "" || u.Email == email) &&
			(name == "" || u.Name == name) &&
			(path == "" || u.Path == path) &&
			(pathPrefix == "" || len(u.Path) >= len(pathPrefix) && u.Path[:len(pathPrefix)] == pathPrefix) &&
			(userType == "" || u.Type == userType) &&
			(!filterUUID || u.UUID == uuid) &&
			(!filterActive || u.IsActive == active) &&
			(!filterSuperuser || u.IsSuperuser == superuser)
	}
	var p authentik.Pagination
	users, ok := s.store.list(s.ordering(q), username, keep, func(count int) (int, int, bool) {
		var offset, limit int
		var ok bool
		p, offset, limit, ok = paginate(count, lastValue(q, "page"), lastValue(q, "page_size"))
		return offset, limit, ok
	})
	if !ok {
		writeDetail(w, http.StatusNotFound, msgInvalidPage)
		return
	}
	withGroups := includeFlag(q, "include_groups")
	for i := range users {
		users[i] = s.render(users[i], withGroups)
	}
	writeJSON(w, http.StatusOK, authentik.UserList{Pagination: p, Results: users})
}

// parseUserPK turns a {pk} into a user's pk; a pk that is not an integer is DRF's bare 404.
func parseUserPK(w http.ResponseWriter, pkText string) (int, bool) {
	pk, err := strconv.Atoi(pkText)
	if err != nil {
		writeDetail(w, http.StatusNotFound, msgNotFound)
		return 0, false
	}
	return pk, true
}

// userAt finds the user of a {pk} path segment, or answers 404.
func (s *Server) userAt(w http.ResponseWriter, pkText string) (authentik.User, bool) {
	pk, ok := parseUserPK(w, pkText)
	if !ok {
		return authentik.User{}, false
	}
	u, ok := s.store.get(pk)
	if !ok {
		writeDetail(w, http.StatusNotFound, msgNoUser)
	}
	return u, ok
}

// getUser is GET /core/users/{pk}/.
func (s *Server) getUser(w http.ResponseWriter, pkText string) {
	if u, ok := s.userAt(w, pkText); ok {
		writeJSON(w, http.StatusOK, s.render(u, true))
	}
}

// patchUser is PATCH /core/users/{pk}/ (F-L2): the user is looked up before the body is read.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, pkText string) {
	current, ok := s.userAt(w, pkText)
	if !ok {
		return
	}
	pk := current.PK
	data, ok := readObject(w, r)
	if !ok {
		return
	}
	in, errs := validateUser(data, true, current.Type, s.groups)
	if in.Username != nil && *in.Username != current.Username && s.store.exists(*in.Username) {
		errs.add("username", msgUnique)
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	u, res := s.store.patch(pk, in, avatar)
	switch res {
	case patchNotFound:
		writeDetail(w, http.StatusNotFound, msgNoUser)
		return
	case patchTaken:
		writeJSON(w, http.StatusBadRequest, fieldErrors{"username": {msgUnique}})
		return
	}
	s.stats.write()
	writeJSON(w, http.StatusOK, s.render(u, true))
}

// setPassword is POST /core/users/{pk}/set_password/ (F-L3): the body is validated before
// the user is looked up; no password policy applies.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, pkText string) {
	data, ok := readObject(w, r)
	if !ok {
		return
	}
	password, errs := validatePassword(data)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	s.setOnUser(w, pkText, func(pk int) bool { return s.store.setPassword(pk, password) })
}

// setOnUser ends a write to a user's {pk} that answers no body (set_password,
// set_password_hash, DELETE), its body checked: set changes the user (false: no such user,
// 404), then the answer is 204.
func (s *Server) setOnUser(w http.ResponseWriter, pkText string, set func(pk int) bool) {
	pk, ok := parseUserPK(w, pkText)
	if !ok {
		return
	}
	if !set(pk) {
		writeDetail(w, http.StatusNotFound, msgNoUser)
		return
	}
	s.stats.write()
	w.WriteHeader(http.StatusNoContent)
}
