// Package authentiktest is an in-memory authentik 2024.8 users API for tests, demos and
// benchmarks: the routes akimport calls, with authentik's validation, messages and status
// codes (F-A*, F-U*, F-L* … as docs/authentik.md names them), a bounded number of requests
// served at once, latency, and seeded fault injection. It is safe for concurrent use.
package authentiktest

import (
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

// Route labels name the routes in Stats.Requests and in Faults.Routes.
const (
	RouteCreateUser  = "POST /core/users/"
	RouteListUsers   = "GET /core/users/"
	RouteGetUser     = "GET /core/users/{pk}/"
	RoutePatchUser   = "PATCH /core/users/{pk}/"
	RouteSetPassword = "POST /core/users/{pk}/set_password/"
	RouteListGroups  = "GET /core/groups/"
	RouteRoot        = "GET /"

	RouteVersion         = "GET /admin/version/"
	RouteMe              = "GET /core/users/me/"
	RouteSetPasswordHash = "POST /core/users/{pk}/set_password_hash/"
	RouteRecoveryEmail   = "POST /core/users/{pk}/recovery_email/"
	RouteDeleteUser      = "DELETE /core/users/{pk}/"
	RouteListEmailStages = "GET /stages/email/"
	routeOther           = "other"
)

// Options configure a Server. The zero value is a server that accepts no token.
type Options struct {
	// Token is the API token that may do everything.
	Token string
	// ReadOnlyTokens are valid tokens without permission: every API call made with one of
	// them answers 403 "You do not have permission to perform this action." (F-A2).
	ReadOnlyTokens []string
	// Groups exist from the start; there is no route to create more.
	Groups []authentik.Group
	// Users exist from the start (see SeedUsers).
	Users []SeedUser
	// Latency is how long each API request takes once a worker serves it; LatencyJitter
	// spreads it uniformly over Latency±LatencyJitter. Both honour the request's context.
	Latency       time.Duration
	LatencyJitter time.Duration
	// Capacity is how many API requests are served at once; the others wait for a free
	// worker, as in authentik's 2 workers × 4 threads (F-A3). 0 means no limit.
	Capacity int
	// CapacitySchedule changes Capacity while the server runs, counted from the first API
	// request: a server that gets busier or is scaled (aksim --capacity-schedule). Before
	// its first step, Capacity applies.
	CapacitySchedule []CapacityStep
	// Seed seeds every random choice (faults, latency jitter, UUIDs), so a run with the
	// same seed and the same sequence of requests is replayed exactly. With concurrent
	// clients the order of requests, and so of draws, may differ between runs.
	Seed int64
	// Faults are the failures injected before requests reach authentik.
	Faults Faults
	// OnRequest, when set, is called after each request with its method, path and query,
	// the status answered (0 when the connection was dropped) and how long it took; aksim
	// --verbose logs with it. It must be safe for concurrent use. Headers are not passed:
	// they carry the token.
	OnRequest func(method, uri string, status int, took time.Duration)

	// Version is the authentik release the server behaves as, e.g. "2025.10.4" (default
	// DefaultVersion). It decides which routes exist and how some of them answer: facts
	// F-V1, F-H1, F-R1, F-S1.
	Version string
	// StartingFor makes the server answer as authentik's router does while authentik starts
	// (F-S1), for this long after New.
	StartingFor time.Duration
	// EmailStages exist from the start: GET /stages/email/ lists them and recovery_email
	// sends through them (F-R1).
	EmailStages []EmailStage
	// NoRecoveryFlow makes recovery_email answer "No recovery flow set." (F-R1), as an
	// authentik whose brand has no recovery flow does.
	NoRecoveryFlow bool
	// TokenUser is the token's user as /core/users/me/ answers it (F-V1); default akadmin,
	// a superuser with pk 0, who is not among the users listed.
	TokenUser *authentik.User
	// TokenUsername, when set, makes the seeded user of that name the token's user: listed,
	// with its pk and path, as in a real authentik. It wins over TokenUser.
	TokenUsername string
	// IgnoreOrdering makes lists ignore ordering= (F-L6) and keep the username order, as a
	// proxy that drops the parameter, or a server that does not honour it, would.
	IgnoreOrdering bool
}

// DefaultVersion is the release the simulator behaves as unless Options.Version says otherwise.
const DefaultVersion = "2026.5.0"

// EmailStage is an e-mail stage: recovery_email names one by its pk (a UUID).
type EmailStage struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
}

// Faults are per-request probabilities (0..1, at most 1 together) of a failure, drawn
// once per request on the routes in Routes.
type Faults struct {
	// ServiceUnavailable answers 503 without acting (a proxy whose upstream is down).
	ServiceUnavailable float64
	// GatewayTimeout answers 504 without acting.
	GatewayTimeout float64
	// TooManyRequests answers 429 with a Retry-After header of RetryAfter, without acting.
	TooManyRequests float64
	// ServerError answers 500 without acting.
	ServerError float64
	// LostAnswer performs the request, then closes the connection without answering, as
	// when a proxy or the network drops the response. It applies to user creates only.
	LostAnswer float64
	// ActThenUnavailable performs the request, then answers 503 with a proxy's page, as a
	// proxy that forwarded the request and lost authentik's answer. User creates only.
	ActThenUnavailable float64
	// RetryAfter is the Retry-After of 429 answers, rounded up to whole seconds; default 1s.
	RetryAfter time.Duration
	// Routes are the route labels (Route* constants) faults apply to; default only
	// RouteCreateUser, so lookups stay reliable unless asked.
	Routes []string
}

// FaultKind names an injected failure in Stats.Faults.
type FaultKind string

// The kinds of injected failure.
const (
	FaultServiceUnavailable FaultKind = "503"
	FaultGatewayTimeout     FaultKind = "504"
	FaultTooManyRequests    FaultKind = "429"
	FaultServerError        FaultKind = "500"
	FaultLostAnswer         FaultKind = "lost_answer"
	FaultActThenUnavailable FaultKind = "act_then_503"
	// FaultDown counts connections dropped while the server is down (Server.Down).
	FaultDown FaultKind = "down"
	// FaultStarting counts answers given while starting or with the backend down (F-S1).
	FaultStarting FaultKind = "starting"
)

// SeedUser is a user that exists before the first request. Zero PK, UUID, Path and Type get
// the defaults a create would give them; IsActive is taken as given.
type SeedUser struct {
	authentik.User
	// Password, when set, is the user's password as if set with set_password.
	Password string `json:"password,omitempty"`
}

// SeedUsers returns active users named after the given usernames, for Options.Users.
func SeedUsers(usernames ...string) []SeedUser {
	users := make([]SeedUser, 0, len(usernames))
	for _, u := range usernames {
		users = append(users, SeedUser{User: authentik.User{Username: u, Name: u, IsActive: true}})
	}
	return users
}
