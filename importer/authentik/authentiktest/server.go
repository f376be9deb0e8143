package authentiktest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an in-memory authentik users API. It is an http.Handler; serve it with
// httptest.NewServer or Start.
type Server struct {
	opts     Options
	token    string
	readOnly map[string]bool
	groups   *groupSet
	store    *store
	rand     *random
	stats    *counters
	gate     *gate // the workers: Capacity, changed by CapacitySchedule

	faultsMu  sync.RWMutex
	faults    faultConfig
	downUntil atomic.Int64 // unix nanoseconds
	inFlight  atomic.Int64 // requests holding a worker
	peak      atomic.Int64 // the most requests that held a worker at once

	beforeInsert func(username string) // test hook: runs at the end of a create's latency
	writes       writeLog              // per-user writes (Writes)

	migration // version, start-up, e-mail stages, recovery e-mails (migration.go)
}

// New returns a server with the seeded groups and users. It fails on an invalid seed or
// fault configuration.
func New(opts Options) (*Server, error) {
	if opts.Capacity < 0 || opts.Latency < 0 || opts.LatencyJitter < 0 {
		return nil, fmt.Errorf("authentiktest: capacity, latency and jitter must not be negative")
	}
	if err := validateSchedule(opts.CapacitySchedule); err != nil {
		return nil, fmt.Errorf("authentiktest: %w", err)
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, fmt.Errorf("authentiktest: %w", err)
	}
	groups, err := newGroupSet(opts.Groups)
	if err != nil {
		return nil, fmt.Errorf("authentiktest: %w", err)
	}
	s := &Server{
		opts:     opts,
		token:    opts.Token,
		readOnly: map[string]bool{},
		groups:   groups,
		rand:     newRandom(opts.Seed),
		stats:    newCounters(),
		faults:   newFaultConfig(opts.Faults),
	}
	s.store = newStore(s.rand.uuid())
	if err := s.migration.init(opts); err != nil {
		return nil, fmt.Errorf("authentiktest: %w", err)
	}
	for _, t := range opts.ReadOnlyTokens {
		s.readOnly[t] = true
	}
	s.gate = newGate(opts.Capacity, opts.CapacitySchedule, time.Now)
	for i, u := range opts.Users {
		if err := s.seedUser(u); err != nil {
			return nil, fmt.Errorf("authentiktest: seed user %d (%q): %w", i+1, u.Username, err)
		}
	}
	if err := s.useListedTokenUser(opts.TokenUsername); err != nil {
		return nil, fmt.Errorf("authentiktest: %w", err)
	}
	return s, nil
}

// MustNew is New for tests: it panics on an invalid seed, which is a bug in the test.
func MustNew(opts Options) *Server {
	s, err := New(opts)
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Server) seedUser(seed SeedUser) error {
	u := seed.User
	if u.Username == "" {
		return fmt.Errorf("the username is empty")
	}
	if u.UUID == "" {
		u.UUID = s.rand.uuid()
	}
	if u.Path == "" {
		u.Path = "users"
	}
	if u.Type == "" {
		u.Type = typeInternal
	}
	if u.Attributes == nil {
		u.Attributes = map[string]any{}
	}
	groups := make([]string, 0, len(u.Groups))
	for _, g := range u.Groups {
		pk, ok := parsePyUUID(g)
		if !ok || !s.groups.has(pk) {
			return fmt.Errorf("group %q is not one of the seeded groups", g)
		}
		groups = append(groups, pk)
	}
	u.Groups, u.GroupsObj = groups, nil
	u.Avatar = avatar(u)
	return s.store.seed(&userRecord{user: u, password: seed.Password, hasPassword: seed.Password != ""})
}

// route is a request's place in the API.
type route struct {
	label   string // for Stats and Faults
	pk      string // the {pk} of detail routes
	api     bool   // under /api/v3/ and known
	allowed bool   // the method is served on this path
	// anyToken: every valid token may call it, with or without permissions (F-V1).
	anyToken bool
}

// matchRoute maps a request to its route. Unknown paths get label "other" and api false.
func matchRoute(method, path string) route {
	rest, ok := strings.CutPrefix(path, "/api/v3/")
	if !ok {
		return route{label: routeOther}
	}
	parts := strings.Split(rest, "/")
	// DRF's router: detail pks match [^/.]+, every route ends with a slash.
	switch {
	case rest == "":
		return route{label: method + " /", api: true, allowed: method == http.MethodGet}
	case rest == "core/users/":
		r := route{label: method + " /core/users/", api: true}
		r.allowed = method == http.MethodGet || method == http.MethodPost
		return r
	case rest == "core/groups/":
		return route{label: method + " /core/groups/", api: true, allowed: method == http.MethodGet}
	case len(parts) == 4 && parts[0] == "core" && parts[1] == "users" && validPK(parts[2]) && parts[3] == "":
		r := route{label: method + " /core/users/{pk}/", pk: parts[2], api: true}
		r.allowed = method == http.MethodGet || method == http.MethodPatch
		return r
	case len(parts) == 5 && parts[0] == "core" && parts[1] == "users" && validPK(parts[2]) &&
		parts[3] == "set_password" && parts[4] == "":
		return route{label: method + " /core/users/{pk}/set_password/", pk: parts[2], api: true, allowed: method == http.MethodPost}
	}
	return route{label: routeOther}
}

func validPK(s string) bool { return s != "" && !strings.ContainsAny(s, "/.") }

// ServeHTTP serves one request: down → fault → wait for a worker → authenticate → route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	began := time.Now()
	defer func() { // also when a lost answer aborts the handler
		s.stats.response(rec.status)
		if s.opts.OnRequest != nil {
			s.opts.OnRequest(r.Method, r.URL.RequestURI(), rec.status, time.Since(began))
		}
	}()
	if s.isDown() {
		s.stats.fault(FaultDown)
		dropConnection(rec)
		return
	}
	switch r.URL.Path {
	case "/healthz", "/-/health/live/", "/-/health/ready/":
		rec.WriteHeader(http.StatusNoContent)
		return
	}
	if s.answerUnavailable(rec) { // F-S1: the router answers for authentik
		return
	}
	rt, ok := s.matchMigrationRoute(r.Method, r.URL.Path)
	if !ok {
		rt = matchRoute(r.Method, r.URL.Path)
	}
	s.stats.request(rt.label)
	if !rt.api { // Django's URL resolver answers before authentication
		writeDetail(rec, http.StatusNotFound, msgNotFound)
		return
	}
	fault, retryAfter := s.drawFault(rt.label)
	if fault != "" && !fault.actsFirst() { // a fault after acting is counted when answered
		s.stats.fault(fault)
		writeFault(rec, fault, retryAfter)
		return
	}
	if !s.acquire(r.Context()) {
		return // the client gave up while queued: nothing was done
	}
	defer s.release()
	// The latency runs from here: the simulator's own work (parsing, validating) is part of
	// it, not added to it, so a request takes the configured time once a worker has it.
	due := time.Now().Add(s.latency())
	if rt.label == RouteRoot { // something a demo can poll, without a token
		writeJSON(rec, http.StatusOK, map[string]string{"name": "authentiktest", "api": "v3"})
		return
	}
	if msg := s.authenticate(r); msg != "" && !(rt.anyToken && msg == msgPermissionDenied) {
		writeDetail(rec, http.StatusForbidden, msg)
		return
	}
	if rt.label == RouteCreateUser {
		s.createUser(rec, r, fault, due, retryAfter) // waits inside, see createUser
		return
	}
	if !sleepUntil(r.Context(), due) {
		return
	}
	if !rt.allowed {
		writeDetail(rec, http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method))
		return
	}
	defer s.noteWrite(rec, r, rt)()
	switch rt.label {
	case RouteListUsers:
		s.listUsers(rec, r)
	case RouteGetUser:
		s.getUser(rec, rt.pk)
	case RoutePatchUser:
		s.patchUser(rec, r, rt.pk)
	case RouteSetPassword:
		s.setPassword(rec, r, rt.pk)
	case RouteListGroups:
		s.listGroups(rec, r)
	// The routes of newer authentik versions (matchMigrationRoute).
	case RouteVersion:
		s.serveVersion(rec)
	case RouteMe:
		s.serveMe(rec)
	case RouteListEmailStages:
		s.listEmailStages(rec, r)
	case RouteDeleteUser:
		s.deleteUser(rec, rt.pk)
	case RouteSetPasswordHash:
		s.setPasswordHash(rec, r, rt.pk)
	case RouteRecoveryEmail:
		s.recoveryEmail(rec, r, rt.pk)
	case RouteVerifyPassword:
		s.verifyPassword(rec, r)
	}
}

// acquire waits for one of Capacity workers (F-A3).
func (s *Server) acquire(ctx context.Context) bool {
	if !s.gate.acquire(ctx) {
		return false
	}
	n := s.inFlight.Add(1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	return true
}

func (s *Server) release() {
	s.inFlight.Add(-1)
	s.gate.release()
}
