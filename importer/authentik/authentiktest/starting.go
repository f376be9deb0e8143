package authentiktest

import (
	"net/http"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

// The router's answers while authentik starts or its backend is down (F-S1).
const (
	msgStarting    = "authentik starting"
	msgBackendDown = "failed to connect to authentik backend: dial tcp 127.0.0.1:9000: connect: connection refused"
)

// Starting makes the server answer "authentik starting" for d from now, as after a restart.
func (s *Server) Starting(d time.Duration) { s.startingUntil.Store(time.Now().Add(d).UnixNano()) }

// BackendDown makes the router answer that it cannot reach authentik's backend for d.
func (s *Server) BackendDown(d time.Duration) {
	s.backendDownTil.Store(time.Now().Add(d).UnixNano())
}

// answerUnavailable answers for authentik while it starts or its backend is down, and
// reports whether it did. Up to 2026.5 a JSON client gets 200 {"error": "authentik
// starting"} and 502 for a backend that is down; since 2026.8 both are 503 (F-S1).
func (s *Server) answerUnavailable(w http.ResponseWriter) bool {
	now := time.Now().UnixNano()
	starting, down := now < s.startingUntil.Load(), now < s.backendDownTil.Load()
	if !starting && !down {
		return false
	}
	s.stats.fault(FaultStarting)
	body := map[string]string{"error": msgStarting}
	status := http.StatusOK
	switch {
	case s.version.AtLeast(authentik.VersionStarting503):
		status = http.StatusServiceUnavailable
	case !starting:
		status, body["error"] = http.StatusBadGateway, msgBackendDown
	}
	if body["error"] == msgStarting {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, body)
	return true
}
