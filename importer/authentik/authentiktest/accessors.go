package authentiktest

import "github.com/akimport/akimport/importer/authentik"

// What tests read back from a Server.

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	st := s.stats.snapshot()
	st.Users = s.store.count()
	st.PeakInFlight = s.peak.Load()
	st.QueueWait = s.gate.waits.summary()
	return st
}

// Users returns every user, ordered by username, as GET would answer them.
func (s *Server) Users() []authentik.User {
	users := s.store.snapshot()
	for i := range users {
		users[i] = s.render(users[i], true)
	}
	return users
}

// UserByUsername returns the user named username (case-sensitive).
func (s *Server) UserByUsername(username string) (authentik.User, bool) {
	rec, ok := s.store.byUsername(username)
	if !ok {
		return authentik.User{}, false
	}
	return s.render(rec.user, true), true
}

// CreateCount is how many times username was created; more than 1 means a duplicate.
func (s *Server) CreateCount(username string) int { return s.store.createCount(username) }

// PostCount is how many create requests for username (as authentik stores it, stripped)
// reached authentik, whatever their answer; faults injected before authentik acts are not
// counted. An importer that never creates twice makes at most one per user.
func (s *Server) PostCount(username string) int { return s.store.postCount(username) }

// PasswordOf returns the password set for username, and whether one was set.
func (s *Server) PasswordOf(username string) (string, bool) {
	rec, ok := s.store.byUsername(username)
	return rec.password, ok && rec.hasPassword
}

// Groups returns the groups, ordered by name.
func (s *Server) Groups() []authentik.Group { return s.groups.groupsCopy() }
