package importer_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
	"github.com/akimport/akimport/report"
)

// closedPortURL is the URL of a local port nobody listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// A server that cannot be reached stops the run at once, with exit 3 and a message that says
// so, after the retries of the first request; nothing is reported as failed row by row.
func TestUnreachableServerIsFatal(t *testing.T) {
	h := newHarness(t, authentiktest.Options{})
	tests := []struct {
		name string
		url  string
		want []string
	}{
		{name: "closed port", url: closedPortURL(t), want: []string{"could not be reached", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := h.config(h.write("users.csv", usersCSV(50, "r")))
			cfg.URL = tt.url
			cfg.Retries = 3
			start := time.Now()
			_, err := importer.Run(context.Background(), cfg)
			var fatal *importer.FatalError
			if !errors.As(err, &fatal) || importer.ExitCode(err) != importer.ExitFatal {
				t.Fatalf("err = %v, want a FatalError (exit 3)", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to give up", d)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if b, _ := os.ReadFile(cfg.ReportPath); bytes.Count(b, []byte("\n")) > 1 {
				t.Errorf("rows were reported although nothing could be sent:\n%s", b)
			}
		})
	}
}

// goDownAfter takes the simulator down (every connection dropped unanswered) for downFor
// once it has received n creates.
func goDownAfter(n int64, downFor time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		sim := next.(*authentiktest.Server)
		var creates atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/api/v3/core/users/" && creates.Add(1) == n {
				sim.Down(downFor)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// A server that dies mid-run stops the run (exit 3) after a few rows gave up, instead of
// failing every remaining row after all its retries; --resume finishes once it is back. A
// short outage (a restart) is ridden out by the retries.
func TestServerDownMidRun(t *testing.T) {
	const rows = 1000
	tests := []struct {
		name     string
		downFor  time.Duration
		backoff  authentik.Backoff
		wantCode int
	}{
		{name: "down for good", downFor: time.Hour, wantCode: importer.ExitFatal},
		{name: "a restart", downFor: 100 * time.Millisecond, backoff: authentik.Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}, wantCode: importer.ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWrapped(t, authentiktest.Options{}, goDownAfter(100, tt.downFor))
			cfg := h.config(h.write("users.csv", usersCSV(rows, "d")))
			cfg.Retries = 8
			if tt.backoff.Max > 0 {
				cfg.Backoff = tt.backoff
			}
			_, err := importer.Run(context.Background(), cfg)
			if code := importer.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			got := readReport(t, cfg.ReportPath)
			if tt.wantCode == importer.ExitOK {
				if c := countStatus(got); len(got) != rows || c[report.StatusCreated] != rows {
					t.Errorf("report: %d rows %v, want %d created", len(got), c, rows)
				}
				return
			}
			if !strings.Contains(err.Error(), "stopped answering") {
				t.Errorf("error %q does not say authentik stopped answering", err)
			}
			if failed := countStatus(got)[report.StatusFailed]; len(got) > rows/2 || failed > 4*cfg.Concurrency {
				t.Errorf("report has %d rows, %d failed: the run did not stop soon", len(got), failed)
			}
			h.sim.Up()
			cfg.ResumeFrom = cfg.ReportPath
			if _, err := importer.Run(context.Background(), cfg); err != nil {
				t.Fatalf("resume: %v", err)
			}
			final := readReport(t, cfg.ReportPath)
			for i, r := range final {
				if r.Line != i+2 || r.Status != report.StatusCreated {
					t.Fatalf("final report row %d: %+v", i, r)
				}
			}
			if len(final) != rows {
				t.Errorf("final report has %d rows, want %d", len(final), rows)
			}
			for _, u := range h.sim.Users() {
				if n := h.sim.CreateCount(u.Username); n != 1 {
					t.Errorf("%s created %d times", u.Username, n)
				}
			}
			if n := len(h.sim.Users()); n != rows {
				t.Errorf("%d users, want %d", n, rows)
			}
		})
	}
}
