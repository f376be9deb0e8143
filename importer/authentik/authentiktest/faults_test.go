package authentiktest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Faults answer before authentik acts: nothing is created.
func TestFaultsWithoutActing(t *testing.T) {
	tests := []struct {
		name        string
		faults      Faults
		wantStatus  int
		wantRetry   string
		wantKind    FaultKind
		wantContain string
	}{
		{"503", Faults{ServiceUnavailable: 1}, 503, "", FaultServiceUnavailable, "503 Service Temporarily Unavailable"},
		{"504", Faults{GatewayTimeout: 1}, 504, "", FaultGatewayTimeout, "504 Gateway Time-out"},
		{"429 default Retry-After", Faults{TooManyRequests: 1}, 429, "1", FaultTooManyRequests, "429 Too Many Requests"},
		{"429 Retry-After rounded up", Faults{TooManyRequests: 1, RetryAfter: 1500 * time.Millisecond}, 429, "2", FaultTooManyRequests, "429"},
		{"500", Faults{ServerError: 1}, 500, "", FaultServerError, "Server Error (500)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, Options{Faults: tt.faults})
			got := create(t, ts, `{"username":"a","name":"A"}`)
			if got.status != tt.wantStatus || got.header.Get("Retry-After") != tt.wantRetry || !strings.Contains(got.body, tt.wantContain) {
				t.Errorf("got %d Retry-After %q %q; want %d %q %q", got.status, got.header.Get("Retry-After"), got.body, tt.wantStatus, tt.wantRetry, tt.wantContain)
			}
			stats := s.Stats()
			if stats.Creates != 0 || stats.Users != 0 || stats.Faults[tt.wantKind] != 1 {
				t.Errorf("stats %+v: want nothing created and one %s fault", stats, tt.wantKind)
			}
			// Faults apply to creates only by default: lookups stay reliable.
			if got := do(t, ts, request{method: "GET", path: "core/users/?username=a"}); got.status != http.StatusOK {
				t.Errorf("lookup: got %d, want 200", got.status)
			}
		})
	}
}

// A lost answer creates the user and closes the connection without a reply.
func TestFaultLostAnswer(t *testing.T) {
	s, ts := newTestServer(t, Options{Faults: Faults{LostAnswer: 1}})
	if _, err := send(ts, request{method: "POST", path: "core/users/", body: `{"username":"lost","name":"L"}`}); err == nil {
		t.Fatal("the create answered; want a dropped connection")
	}
	if n := s.CreateCount("lost"); n != 1 {
		t.Errorf("CreateCount = %d, want 1: the create must have happened", n)
	}
	if got := s.Stats().Faults[FaultLostAnswer]; got != 1 {
		t.Errorf("lost answers counted %d, want 1", got)
	}
	list := do(t, ts, request{method: "GET", path: "core/users/?username=lost"})
	if !strings.Contains(list.body, `"username":"lost"`) {
		t.Errorf("lookup after a lost answer: %s", list.body)
	}
}

// A proxy that forwarded the create and lost authentik's answer: the user exists, the client
// sees a proxy's 503 (issue 9: every 503 not from authentik may have acted).
func TestFaultActThenUnavailable(t *testing.T) {
	s, ts := newTestServer(t, Options{Faults: Faults{ActThenUnavailable: 1}})
	got := create(t, ts, `{"username":"acted","name":"A"}`)
	if got.status != http.StatusServiceUnavailable || !strings.Contains(got.body, "503 Service Temporarily Unavailable") {
		t.Errorf("got %d %q, want a proxy's 503", got.status, got.body)
	}
	if n := s.CreateCount("acted"); n != 1 {
		t.Errorf("CreateCount = %d, want 1: the create happened before the 503", n)
	}
	if n := s.PostCount("acted"); n != 1 {
		t.Errorf("PostCount = %d, want 1", n)
	}
	if got := s.Stats().Faults[FaultActThenUnavailable]; got != 1 {
		t.Errorf("act-then-503 faults counted %d, want 1", got)
	}
}

// Faults apply to the routes they name; a lost answer only to creates.
func TestFaultRoutes(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: SeedUsers("a"), Faults: Faults{ServiceUnavailable: 1, Routes: []string{RouteListUsers}}})
	if got := do(t, ts, request{method: "GET", path: "core/users/"}); got.status != 503 {
		t.Errorf("list: got %d, want 503", got.status)
	}
	if got := create(t, ts, `{"username":"b","name":"B"}`); got.status != 201 {
		t.Errorf("create: got %d, want 201", got.status)
	}
	_, ts = newTestServer(t, Options{Users: SeedUsers("a"), Faults: Faults{LostAnswer: 1, Routes: []string{RouteGetUser}}})
	if got := do(t, ts, request{method: "GET", path: "core/users/1/"}); got.status != 200 {
		t.Errorf("get with LostAnswer: got %d, want 200", got.status)
	}
}

// The same seed replays the same faults for the same sequence of requests.
func TestFaultsReplay(t *testing.T) {
	run := func() string {
		_, ts := newTestServer(t, Options{Seed: 42, Faults: Faults{ServiceUnavailable: 0.2, TooManyRequests: 0.2, ServerError: 0.2}})
		var b strings.Builder
		for i := range 40 {
			b.WriteString(strconv.Itoa(create(t, ts, `{"username":"u`+strconv.Itoa(i)+`","name":"x"}`).status) + " ")
		}
		return b.String()
	}
	first, second := run(), run()
	if first != second {
		t.Errorf("seed 42 gave %s then %s", first, second)
	}
	if !strings.Contains(first, "201") || !strings.Contains(first, "503") {
		t.Errorf("sequence %s lacks successes or faults", first)
	}
}

// Invalid probabilities are refused.
func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{ServiceUnavailable: -0.1}, {ServerError: 1.5}, {ServiceUnavailable: 0.6, LostAnswer: 0.6}, {RetryAfter: -time.Second}} {
		if _, err := New(Options{Faults: f}); err == nil {
			t.Errorf("New accepted %+v", f)
		}
	}
}

// Down drops every connection until it ends.
func TestDown(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	s.Down(time.Minute)
	if _, err := send(ts, request{method: "GET", path: "core/users/"}); err == nil {
		t.Error("a request succeeded while the server was down")
	}
	s.Up()
	if got := do(t, ts, request{method: "GET", path: "core/users/"}); got.status != 200 {
		t.Errorf("after Up: got %d, want 200", got.status)
	}
	if s.Stats().Faults[FaultDown] == 0 {
		t.Error("dropped connections were not counted")
	}
}
