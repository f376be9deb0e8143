package authentik_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

const (
	simToken = "sim-token-not-secret"
	simStage = "44444444-4444-4444-8444-444444444444"
)

func simClient(t *testing.T, opts authentiktest.Options) (*authentiktest.Server, *authentik.Client) {
	t.Helper()
	opts.Token = simToken
	opts.EmailStages = []authentiktest.EmailStage{{PK: simStage, Name: "onboarding"}}
	s := authentiktest.MustNew(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c, err := authentik.NewClient(authentik.ClientConfig{BaseURL: ts.URL, Token: simToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// F-V1: the client reads the version and the token's user.
func TestClientVersionAndMe(t *testing.T) {
	_, c := simClient(t, authentiktest.Options{Version: "2025.10.4"})
	v, err := c.Version(ctxFor(t))
	if err != nil || v != (authentik.Version{Year: 2025, Month: 10, Patch: 4}) {
		t.Errorf("Version: %v, %v", v, err)
	}
	me, err := c.Me(ctxFor(t))
	if err != nil || me.Username != "akadmin" || !me.IsSuperuser {
		t.Errorf("Me: %+v, %v", me, err)
	}
}

// F-H1, F-R1, F-D1: the calls of a migration against the simulator.
func TestClientMigrationCalls(t *testing.T) {
	const password = "hunter2hunter2"
	for _, version := range []string{"2025.10.4", "2026.5.0"} {
		t.Run(version, func(t *testing.T) {
			s, c := simClient(t, authentiktest.Options{Version: version})
			v, _ := c.Version(ctxFor(t))
			email := "a@example.com"
			u, err := c.CreateUser(ctxFor(t), &authentik.UserRequest{Username: "a", Email: &email, Name: &email})
			if err != nil {
				t.Fatal(err)
			}
			hash := authentiktest.MakePBKDF2SHA256(password, "salty123", 1000)
			err = c.SetPasswordHash(ctxFor(t), u.PK, hash)
			if v.AtLeast(authentik.VersionPasswordHash) {
				if err != nil || !s.CheckPassword("a", password) {
					t.Errorf("SetPasswordHash: %v", err)
				}
			} else if authentik.StatusOf(err) != http.StatusNotFound || strings.Contains(err.Error(), hash) {
				t.Errorf("SetPasswordHash before 2026.5: %v, want a 404 without the hash", err)
			}
			st, found, err := c.FindEmailStage(ctxFor(t), "onboarding", false)
			if err != nil || !found || st.PK != simStage {
				t.Fatalf("FindEmailStage: %+v %v %v", st, found, err)
			}
			inBody := v.AtLeast(authentik.VersionRecoveryBody)
			if err := c.SendRecoveryEmail(ctxFor(t), u.PK, st.PK, inBody); err != nil {
				t.Errorf("SendRecoveryEmail: %v", err)
			}
			// The other form is refused by this version.
			err = c.SendRecoveryEmail(ctxFor(t), u.PK, st.PK, !inBody)
			if !authentik.IsRejected(err) {
				t.Errorf("SendRecoveryEmail in the wrong form: %v, want a 400", err)
			}
			if n := len(s.RecoveryEmails()); n != 1 {
				t.Errorf("%d e-mails sent, want 1", n)
			}
			if err := c.DeleteUser(ctxFor(t), u.PK); err != nil {
				t.Errorf("DeleteUser: %v", err)
			}
			if _, err := c.GetUser(ctxFor(t), u.PK); !authentik.IsNotFound(err) {
				t.Errorf("GetUser after delete: %v, want not found", err)
			}
		})
	}
}

// F-R1: a recovery e-mail authentik cannot send is a 400 whose reason is its message.
func TestClientRecoveryEmailRefused(t *testing.T) {
	_, c := simClient(t, authentiktest.Options{})
	u, err := c.CreateUser(ctxFor(t), &authentik.UserRequest{Username: "b", Name: new(string)})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendRecoveryEmail(ctxFor(t), u.PK, simStage, true)
	var e *authentik.Error
	if !errors.As(err, &e) || e.Kind != authentik.KindRejected || e.Reason() != "User does not have an email address set." {
		t.Errorf("got %v, want rejected with authentik's message", err)
	}
}

// F-S1: the router's answers are transient whatever their status, did not act, and carry
// Retry-After.
func TestClientStartingIsTransient(t *testing.T) {
	for _, version := range []string{"2026.5.0", "2026.8.0"} {
		for _, down := range []bool{false, true} {
			s, c := simClient(t, authentiktest.Options{Version: version})
			if down {
				s.BackendDown(time.Hour)
			} else {
				s.Starting(time.Hour)
			}
			_, _, err := c.FindUserByUsername(ctxFor(t), "a")
			_, cerr := c.CreateUser(ctxFor(t), &authentik.UserRequest{Username: "a", Name: new(string)})
			for _, err := range []error{err, cerr} {
				if !authentik.ShouldRetry(err) || !authentik.IsStarting(err) || authentik.MayHaveActed(err) || authentik.IsFatal(err) {
					t.Errorf("%s down=%v: %v: want transient, not acted", version, down, err)
				}
				if !down && authentik.RetryAfterOf(err) != 5*time.Second {
					t.Errorf("%s: Retry-After %v, want 5s", version, authentik.RetryAfterOf(err))
				}
			}
			if s.Stats().Users != 0 {
				t.Error("a user was created while starting")
			}
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want authentik.Version
		ok   bool
	}{
		{"2026.5.1", authentik.Version{Year: 2026, Month: 5, Patch: 1}, true},
		{"2025.10", authentik.Version{Year: 2025, Month: 10}, true},
		{"v2026.2.0-rc1", authentik.Version{Year: 2026, Month: 2}, true},
		{"2026", authentik.Version{}, false},
		{"latest", authentik.Version{}, false},
		{"2026.x.1", authentik.Version{}, false},
	}
	for _, tt := range tests {
		got, err := authentik.ParseVersion(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseVersion(%q) = %v, %v", tt.in, got, err)
		}
	}
	if !(authentik.Version{Year: 2026, Month: 5}).AtLeast(authentik.VersionPasswordHash) ||
		(authentik.Version{Year: 2025, Month: 12, Patch: 9}).AtLeast(authentik.VersionPasswordHash) {
		t.Error("AtLeast is wrong around 2026.5")
	}
}
