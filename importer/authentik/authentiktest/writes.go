package authentiktest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// WriteCounts are the writes to one user that authentik carried out (it answered 2xx, or
// would have: an answer lost on the way still counts), by the username the user had then.
type WriteCounts struct {
	SetPassword     int    // set_password calls
	LastPassword    string // the last password set with set_password
	SetPasswordHash int    // set_password_hash calls
	LastHash        string // the last hash set with set_password_hash
	RecoveryEmails  int    // recovery_email calls
	Patches         int    // PATCH calls
	PatchedFields   []string
	Deactivations   int // PATCHes that sent is_active false
	Deletes         int // DELETE calls
}

// writeLog collects WriteCounts.
type writeLog struct {
	mu     sync.Mutex
	byUser map[string]*WriteCounts
}

// Writes returns the writes carried out on username's user so far; the zero value if none.
func (s *Server) Writes(username string) WriteCounts {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	c, ok := s.writes.byUser[username]
	if !ok {
		return WriteCounts{}
	}
	out := *c
	out.PatchedFields = slices.Clone(c.PatchedFields)
	return out
}

// noteWrite, called before a route is served, returns what to call after it: for the writes
// to one user, it counts the write if authentik carried it out. It keeps the request's body
// for the handler.
func (s *Server) noteWrite(rec *statusRecorder, r *http.Request, rt route) func() {
	switch rt.label {
	case RoutePatchUser, RouteSetPassword, RouteSetPasswordHash, RouteRecoveryEmail, RouteDeleteUser:
	default:
		return func() {}
	}
	pk, err := strconv.Atoi(rt.pk)
	if err != nil {
		return func() {}
	}
	u, ok := s.store.get(pk)
	if !ok {
		return func() {}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return func() {
		if rec.status/100 != 2 {
			return
		}
		var data map[string]any
		_ = json.Unmarshal(body, &data)
		s.writes.mu.Lock()
		defer s.writes.mu.Unlock()
		if s.writes.byUser == nil {
			s.writes.byUser = map[string]*WriteCounts{}
		}
		c := s.writes.byUser[u.Username]
		if c == nil {
			c = &WriteCounts{}
			s.writes.byUser[u.Username] = c
		}
		secret, _ := data["password"].(string)
		switch rt.label {
		case RouteSetPassword:
			c.SetPassword++
			c.LastPassword = secret
		case RouteSetPasswordHash:
			c.SetPasswordHash++
			c.LastHash = secret
		case RouteRecoveryEmail:
			c.RecoveryEmails++
		case RouteDeleteUser:
			c.Deletes++
		case RoutePatchUser:
			c.Patches++
			for k := range data {
				if !slices.Contains(c.PatchedFields, k) {
					c.PatchedFields = append(c.PatchedFields, k)
				}
			}
			slices.Sort(c.PatchedFields)
			if active, ok := data["is_active"].(bool); ok && !active {
				c.Deactivations++
			}
		}
	}
}
