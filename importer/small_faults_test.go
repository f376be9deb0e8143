package importer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// A 403 that comes while --max-errors is stopping the run still ends it as fatal (exit 3):
// the token stopped working, and that must not read as "some rows failed".
func TestForbiddenAfterMaxErrorsIsStillFatal(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	var creates atomic.Int64
	firstAnswered, secondArrived := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.sim.ServeHTTP(w, r)
			return
		}
		switch creates.Add(1) {
		case 1: // rejected once the other create is in flight: --max-errors 1 stops the run
			select {
			case <-secondArrived:
			case <-time.After(10 * time.Second):
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"email": ["Enter a valid email address."]}`))
			close(firstAnswered)
		default: // in flight meanwhile: the token is revoked
			close(secondArrived)
			<-firstAnswered
			time.Sleep(50 * time.Millisecond) // after the stop, so --max-errors comes first
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"detail": "Token invalid/expired"}`))
		}
	}))
	t.Cleanup(srv.Close)
	cfg := h.config(h.write("u.csv", "username,name\na,A\nb,B\n"))
	cfg.URL, cfg.Concurrency, cfg.MaxErrors = srv.URL, 2, 1
	_, err := importer.Run(context.Background(), cfg)
	if code := importer.ExitCode(err); code != importer.ExitFatal {
		t.Fatalf("exit code %d (%v), want %d: the 403 must win over --max-errors", code, err, importer.ExitFatal)
	}
}

// In JSONL, "groups": [] clears a user's groups on update; an absent key leaves them.
func TestEmptyGroupsClearOnUpdate(t *testing.T) {
	groups := sampleGroups(t)
	seed := func(name string) authentiktest.SeedUser {
		return authentiktest.SeedUser{User: authentik.User{Username: name, Name: name, IsActive: true, Groups: []string{groups[0].PK}}}
	}
	h := newHarness(t, authentiktest.Options{Users: []authentiktest.SeedUser{seed("cleared"), seed("kept")}})
	cfg := h.config(h.write("u.jsonl", `{"username":"cleared","name":"cleared","groups":[]}`+"\n"+`{"username":"kept","name":"kept"}`+"\n"))
	cfg.OnExisting = importer.OnExistingUpdate
	if _, err := importer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if u, _ := h.sim.UserByUsername("cleared"); len(u.Groups) != 0 {
		t.Errorf("cleared: groups %v, want none", u.Groups)
	}
	if u, _ := h.sim.UserByUsername("kept"); len(u.Groups) != 1 {
		t.Errorf("kept: groups %v, want its one group untouched", u.Groups)
	}
}

// A failed group listing makes the rows that name groups `failed` (retryable by --resume),
// never `invalid`; rows without group names go on.
func TestFailedGroupListingFailsRowsNotInvalid(t *testing.T) {
	h := newHarness(t, authentiktest.Options{Faults: authentiktest.Faults{ServiceUnavailable: 1, Routes: []string{authentiktest.RouteListGroups}}})
	cfg := h.config(h.write("u.csv", "username,name,groups\nwith,With,staff\nwithout,Without,\n"))
	cfg.Retries = 1
	if _, err := importer.Run(context.Background(), cfg); !errors.Is(err, importer.ErrRowsFailed) {
		t.Fatalf("Run: %v, want some rows failed", err)
	}
	rows := readReport(t, cfg.ReportPath)
	if rows[0].Status != "failed" || !strings.Contains(rows[0].Error, "groups could not be read") || rows[1].Status != "created" {
		t.Errorf("rows %+v: want the row with groups failed, the other created", rows)
	}
	if n := h.sim.Stats().Requests[authentiktest.RouteListGroups]; n != 2 {
		t.Errorf("%d group listings, want 2 (one try and one retry, once for the run)", n)
	}
}
