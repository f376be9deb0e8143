package authentiktest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// F-A1: a body of another content type is refused with 415 before it is parsed.
func TestContentType(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantBody    string
	}{
		{"text/plain", "text/plain", `{"username":"a","name":"A"}`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"parameters are kept in the message", "text/plain; charset=utf-8", `{}`, 415, `{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}`},
		{"no content type", "-", `{}`, 415, `{"detail":"Unsupported media type \"\" in request."}`},
		{"form", "application/x-www-form-urlencoded", `username=a`, 415, `{"detail":"Unsupported media type \"application/x-www-form-urlencoded\" in request."}`},
		{"an empty body is not parsed", "text/plain", ``, 400, `{"username":["This field is required."],"name":["This field is required."]}`},
		{"json with charset", "application/json; charset=utf-8", `{"username":"a","name":"A"}`, 201, ""},
		{"json in capitals", "Application/JSON", `{"username":"b","name":"B"}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, ts, request{method: "POST", path: "core/users/", body: tt.body, contentType: tt.contentType})
			if tt.wantBody == "" {
				if got.status != tt.wantStatus {
					t.Errorf("got %d %s, want %d", got.status, got.body, tt.wantStatus)
				}
				return
			}
			wantResponse(t, got, tt.wantStatus, tt.wantBody)
		})
	}
}

// F-A2: every authentication failure is 403 with its own detail, on reads and writes.
func TestAuthentication(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tests := []struct {
		name   string
		auth   string
		detail string
	}{
		{"no header", "-", "Authentication credentials were not provided."},
		{"empty header", " ", "Authentication credentials were not provided."},
		{"scheme alone", "Bearer", "Authentication credentials were not provided."},
		{"unknown token", "Bearer nope", "Token invalid/expired"},
		{"token in another case", "Bearer " + strings.ToUpper(testToken), "Token invalid/expired"},
		{"basic", "Basic dXNlcjpwYXNz", "Unsupported authentication type"},
		{"token scheme", "Token " + testToken, "Unsupported authentication type"},
		{"lower-case bearer", "bearer " + testToken, "Unsupported authentication type"},
		{"token without permission", "Bearer " + readOnlyToken, "You do not have permission to perform this action."},
	}
	routes := []request{
		{method: "POST", path: "core/users/", body: `{"username":"a","name":"A"}`},
		{method: "GET", path: "core/users/?username=a"},
		{method: "GET", path: "core/users/1/"},
		{method: "PATCH", path: "core/users/1/", body: `{"name":"B"}`},
		{method: "POST", path: "core/users/1/set_password/", body: `{"password":"x"}`},
		{method: "GET", path: "core/groups/"},
	}
	for _, tt := range tests {
		for _, req := range routes {
			t.Run(tt.name+"/"+req.method+" "+req.path, func(t *testing.T) {
				req.auth = tt.auth
				got := do(t, ts, req)
				want, _ := json.Marshal(map[string]string{"detail": tt.detail})
				wantResponse(t, got, http.StatusForbidden, string(want))
			})
		}
	}
}

// F-A3: at most Capacity requests are served at once; the others wait, and one whose client
// gives up while waiting does nothing.
func TestCapacity(t *testing.T) {
	s, ts := newTestServer(t, Options{Capacity: 2, Latency: 3 * time.Millisecond})
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for i := range 8 {
		wg.Add(1) // not wg.Go: that needs Go 1.25, and go.mod says 1.24
		go func() {
			defer wg.Done()
			resp, err := send(ts, request{method: "POST", path: "core/users/", body: `{"username":"u` + string(rune('a'+i)) + `","name":"U"}`})
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			statuses <- resp.status
		}()
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusCreated {
			t.Errorf("status %d, want 201", st)
		}
	}
	stats := s.Stats()
	if stats.PeakInFlight > 2 || stats.PeakInFlight < 1 {
		t.Errorf("PeakInFlight = %d, want 1..2", stats.PeakInFlight)
	}
	if stats.Creates != 8 {
		t.Errorf("Creates = %d, want 8", stats.Creates)
	}
}

// F-A3: a request still queued when its client gives up is never performed.
func TestCapacityQueuedRequestCancelled(t *testing.T) {
	s := MustNew(Options{Token: testToken, Capacity: 1})
	if !s.gate.acquire(context.Background()) { // the only worker is busy
		t.Fatal("the only worker is not free")
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", "/api/v3/core/users/", strings.NewReader(`{"username":"q","name":"Q"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeHTTP(discardWriter{header: http.Header{}}, req)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the queued request did not return after its context ended")
	}
	s.gate.release()
	if _, ok := s.UserByUsername("q"); ok {
		t.Error("a request cancelled while queued created its user")
	}
}

type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// F-A4: a body that is not JSON, or not a JSON object, is a 400.
func TestBodyNotAnObject(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: SeedUsers("existing")})
	tests := []struct {
		name     string
		body     string
		wantBody string
	}{
		{"list", `[{"username":"a"}]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{"string", `"a"`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{"integer", `1`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{"float", `1.5`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{"boolean", `true`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
		{"null", `null`, `{"non_field_errors":["No data provided"]}`},
		{"truncated", `{"username":`, `{"detail":"JSON parse error - unexpected end of data: line 1 column 13 (char 12)"}`},
		{"not json", `username=a`, `{"detail":"JSON parse error - unexpected character: line 1 column 1 (char 0)"}`},
		{"trailing data", `{} {}`, `{"detail":"JSON parse error - trailing characters at line 1 column 4 (char 3)"}`},
		{"bad utf-8", "{\"username\":\"\xff\"}", `{"detail":"JSON parse error - str is not valid UTF-8: surrogates not allowed"}`},
	}
	for _, tt := range tests {
		for _, req := range []request{
			{method: "POST", path: "core/users/", body: tt.body},
			{method: "PATCH", path: "core/users/1/", body: tt.body},
		} {
			t.Run(tt.name+"/"+req.method, func(t *testing.T) {
				wantResponse(t, do(t, ts, req), http.StatusBadRequest, tt.wantBody)
			})
		}
	}
}

// F-A5: error bodies carry no "code" key.
func TestErrorBodiesHaveNoCode(t *testing.T) {
	_, ts := newTestServer(t, Options{Users: SeedUsers("taken")})
	for _, req := range []request{
		{method: "POST", path: "core/users/", body: `{"username":"taken","name":""}`},
		{method: "POST", path: "core/users/", body: `[]`},
		{method: "POST", path: "core/users/", body: `{`},
		{method: "POST", path: "core/users/", body: `{}`, contentType: "text/plain"},
		{method: "GET", path: "core/users/", auth: "-"},
		{method: "GET", path: "core/users/?page=9"},
		{method: "GET", path: "core/users/77/"},
		{method: "GET", path: "nope/"},
	} {
		t.Run(req.method+" "+req.path+" "+req.body, func(t *testing.T) {
			got := do(t, ts, req)
			if got.status < 400 {
				t.Fatalf("status %d, want an error", got.status)
			}
			if m := decode[map[string]any](t, got.body); m["code"] != nil {
				t.Errorf("body %s has a code", got.body)
			}
		})
	}
}

// F-A1: the base path is /api/v3/; other paths are 404 without authentication, the root
// answers so a demo can poll it, and a known path with another method is 405.
func TestRouting(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   string
	}{
		{"root", request{method: "GET", path: "", auth: "-"}, 200, `{"api":"v3","name":"authentiktest"}`},
		{"health", request{method: "GET", path: "/-/health/live/", auth: "-"}, 204, ``},
		{"unknown api path", request{method: "GET", path: "core/tokens/", auth: "-"}, 404, `{"detail":"Not found."}`},
		{"no trailing slash", request{method: "GET", path: "core/users"}, 404, `{"detail":"Not found."}`},
		{"outside the api", request{method: "GET", path: "/api/v2/core/users/"}, 404, `{"detail":"Not found."}`},
		{"delete the list", request{method: "DELETE", path: "core/users/"}, 405, `{"detail":"Method \"DELETE\" not allowed."}`},
		{"405 after authentication", request{method: "DELETE", path: "core/users/", auth: "-"}, 403, `{"detail":"Authentication credentials were not provided."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResponse(t, do(t, ts, tt.req), tt.wantStatus, tt.wantBody)
		})
	}
}
