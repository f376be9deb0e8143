package importer_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// Helpers of issue 15's acceptance tests (proof before every irreversible write).

// dropAnswer closes the connection without an answer: a lost answer.
func dropAnswer(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// actThenLose carries the request out and loses its answer.
func actThenLose(next http.Handler, w http.ResponseWriter, r *http.Request) {
	next.ServeHTTP(httptest.NewRecorder(), r)
	dropAnswer(w)
}

func isCreateRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v3/core/users/"
}

// isUserPatch tells a PATCH of one user.
func isUserPatch(r *http.Request) bool {
	return r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/v3/core/users/")
}

// stallCreates makes every third create stall until the client gives up (its --timeout):
// one in two of those is carried out first, so the run must find out whether it was.
type stallCreates struct {
	next http.Handler
	n    atomic.Int64
}

func (s *stallCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isCreateRequest(r) {
		s.next.ServeHTTP(w, r)
		return
	}
	switch s.n.Add(1) % 6 {
	case 1:
		s.next.ServeHTTP(httptest.NewRecorder(), r) // acted; the answer never comes
	case 4:
		_, _ = io.Copy(io.Discard, r.Body) // not acted
	default:
		s.next.ServeHTTP(w, r)
		return
	}
	<-r.Context().Done()
}

// proofStage is the e-mail stage of the --send-recovery-email variants.
var proofStage = authentiktest.EmailStage{PK: authentiktest.NameUUID("onboarding"), Name: "onboarding"}

// The secrets a row carries in the fault tests.
const (
	secretPassword = "password"
	secretHash     = "password_hash"
	secretRecovery = "password + recovery e-mail"
)

func prePassword(u string) string { return "orig-" + u + "-Xq7!" }
func rowPassword(u string) string { return "file-" + u + "-Zr4!" }

// rowHash is a Django hash of rowPassword (small iterations: tests stay fast).
func rowHash(u string) string { return authentiktest.MakePBKDF2SHA256(rowPassword(u), "salt"+u, 1000) }

// preSeed returns n users that existed before the run, with a password of their own; their
// fields equal the rows proofCSV makes for them.
func preSeed(n int) []authentiktest.SeedUser {
	var seed []authentiktest.SeedUser
	for i := range n {
		u := fmt.Sprintf("pre%d", i)
		seed = append(seed, authentiktest.SeedUser{User: authentik.User{Username: u, Name: "Pre " + u,
			Email: u + "@example.com", IsActive: true}, Password: prePassword(u)})
	}
	return seed
}

// proofCSV makes rows for pre pre-existing users (fields equal to theirs) and fresh new
// ones, interleaved, each with the secret's column.
func proofCSV(pre, fresh int, secret string) string {
	var b strings.Builder
	col := "password"
	if secret == secretHash {
		col = "password_hash"
	}
	b.WriteString("username,name,email," + col + "\n")
	for i := range max(pre, fresh) {
		for _, u := range []string{fmt.Sprintf("pre%d", i), fmt.Sprintf("new%d", i)} {
			if (u[0] == 'p' && i >= pre) || (u[0] == 'n' && i >= fresh) {
				continue
			}
			cell := rowPassword(u)
			if secret == secretHash {
				cell = rowHash(u)
			}
			fmt.Fprintf(&b, "%s,Pre %s,%s@example.com,%s\n", u, u, u, cell)
		}
	}
	return b.String()
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// checkPreUntouched checks the simulator's oracle: nothing was written to the pre-existing
// users (no password, hash, e-mail, PATCH or DELETE), their own password still works, and no
// create of them went through.
func checkPreUntouched(t *testing.T, sim *authentiktest.Server, pre []string) {
	t.Helper()
	for _, u := range pre {
		if w := sim.Writes(u); fmt.Sprint(w) != fmt.Sprint(authentiktest.WriteCounts{}) {
			t.Errorf("%s existed before the run and was written to: %+v", u, w)
		}
		if !sim.CheckPassword(u, prePassword(u)) {
			t.Errorf("%s's own password no longer works", u)
		}
		if n := sim.CreateCount(u); n != 0 {
			t.Errorf("%s created %d times", u, n)
		}
		if got, ok := sim.UserByUsername(u); !ok || !got.IsActive {
			t.Errorf("%s: found %v, active %v; want it still there and active", u, ok, got.IsActive)
		}
	}
}

// checkFreshDone checks that each new user was created exactly once, with the row's
// password (or hash) set once, and at most one recovery e-mail.
func checkFreshDone(t *testing.T, sim *authentiktest.Server, fresh []string, secret string) {
	t.Helper()
	for _, u := range fresh {
		if n := sim.CreateCount(u); n != 1 {
			t.Errorf("%s created %d times, want 1", u, n)
		}
		if n := sim.PostCount(u); n > 1 {
			t.Errorf("%s: %d create requests reached authentik, want 1", u, n)
		}
		if !sim.CheckPassword(u, rowPassword(u)) {
			t.Errorf("%s: the row's password does not work", u)
		}
		w := sim.Writes(u)
		if secret == secretRecovery && w.RecoveryEmails != 1 {
			t.Errorf("%s: %d recovery e-mails, want 1", u, w.RecoveryEmails)
		}
	}
}

// checkStatuses checks each report row's status against the ones allowed for its user.
func checkStatuses(t *testing.T, rows []report.Result, allowed func(username string) []report.Status) {
	t.Helper()
	for _, r := range rows {
		if ok := allowed(r.Username); !slices.Contains(ok, r.Status) {
			t.Errorf("line %d %s: %s (%s), want one of %v", r.Line, r.Username, r.Status, r.Error, ok)
		}
	}
}

// reportByUser indexes report rows by username; a username reported twice fails the test.
func reportByUser(t *testing.T, rows []report.Result) map[string]report.Result {
	t.Helper()
	m := map[string]report.Result{}
	for _, r := range rows {
		if _, dup := m[r.Username]; dup && r.Line != 0 {
			t.Errorf("%s reported twice", r.Username)
		}
		m[r.Username] = r
	}
	return m
}
