package authentik

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestAnswerClassification(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		get        bool // GetUser (object URL) instead of CreateUser (collection URL)
		wantKind   Kind
		wantActed  bool
		wantRetry  time.Duration
		wantInText string
	}{
		{name: "400 fields", status: 400, body: `{"email": ["Enter a valid email address."]}`,
			wantKind: KindRejected, wantInText: "create user: rejected (400): email: Enter a valid email address."},
		{name: "400 detail", status: 400, body: `{"detail": "JSON parse error - Expecting value"}`,
			wantKind: KindRejected, wantInText: "rejected (400): JSON parse error"},
		{name: "400 non field", status: 400, body: `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`,
			wantKind: KindRejected, wantInText: "rejected (400): Invalid data. Expected a dictionary, but got list."},
		{name: "400 html from a proxy", status: 400, header: map[string]string{"Content-Type": "text/html"}, body: "<html>Bad</html>",
			wantKind: KindUnexpected, wantInText: "unexpected answer (400)"},
		{name: "401", status: 401, body: `{"detail": "login"}`, wantKind: KindFatal, wantInText: "(401)"},
		{name: "403 bad token", status: 403, body: `{"detail": "Token invalid/expired"}`,
			wantKind: KindFatal, wantInText: "create user: authentik refused the token (403): Token invalid/expired"},
		{name: "403 permission", status: 403, body: `{"detail": "You do not have permission to perform this action."}`,
			wantKind: KindFatal, wantInText: "(403): You do not have permission to perform this action."},
		{name: "404 on the collection is a wrong URL", status: 404, body: `{"detail": "Not found."}`,
			wantKind: KindFatal, wantInText: "no authentik API at"},
		{name: "404 on an object", status: 404, body: `{"detail": "No User matches the given query."}`, get: true,
			wantKind: KindNotFound, wantInText: "get user: not found (404): No User matches the given query."},
		{name: "415", status: 415, body: `{"detail": "Unsupported media type"}`, wantKind: KindFatal, wantInText: "(415)"},
		// A 429 or 503 not from authentik may come from a proxy that forwarded the create.
		{name: "429 seconds", status: 429, header: map[string]string{"Retry-After": "7"},
			wantKind: KindTransient, wantActed: true, wantRetry: 7 * time.Second, wantInText: "too many requests (429) (retry after 7s)"},
		{name: "429 garbage retry-after", status: 429, header: map[string]string{"Retry-After": "soon"},
			wantKind: KindTransient, wantActed: true},
		{name: "503 date", status: 503, header: map[string]string{"Retry-After": "Wed, 01 Jan 2025 00:00:30 GMT"},
			wantKind: KindTransient, wantActed: true, wantRetry: 30 * time.Second},
		{name: "503 proxy page", status: 503, header: map[string]string{"Content-Type": "text/html"}, body: "<h1>503 Service Temporarily Unavailable</h1>",
			wantKind: KindTransient, wantActed: true},
		// (authentik's router's own 503, {"error": "authentik starting"}, never gets here:
		// send recognises it first. TestClientStartingIsTransient checks it did not act.)
		{name: "500 may have created", status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "<h1>Server Error</h1>",
			wantKind: KindTransient, wantActed: true, wantInText: "authentik is unavailable (500)"},
		{name: "502", status: 502, wantKind: KindTransient, wantActed: true},
		{name: "504", status: 504, wantKind: KindTransient, wantActed: true},
		{name: "409 unexpected", status: 409, body: `{}`, wantKind: KindUnexpected},
		{name: "501 unexpected", status: 501, wantKind: KindUnexpected, wantActed: true},
		{name: "redirect", status: 301, header: map[string]string{"Location": "https://auth.example.com/api/v3/core/users/"},
			wantKind: KindFatal, wantInText: "redirects (301): to https://auth.example.com/"},
		{name: "200 html login page", status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html>login</html>",
			wantKind: KindFatal, wantActed: true, wantInText: "is not authentik's: it is text/html"},
		{name: "201 other json", status: 201, body: `{"id": 1}`, wantKind: KindFatal, wantActed: true},
		{name: "201 broken json", status: 201, body: `{"pk":`, wantKind: KindFatal, wantActed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			c, _ := newTestServer(t, h, ClientConfig{})
			c.now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
			var err error
			if tt.get {
				_, err = c.GetUser(testCtx(t), 7)
			} else {
				_, err = c.CreateUser(testCtx(t), &UserRequest{Username: "alice"})
			}
			e := asError(t, err)
			if e.Kind != tt.wantKind {
				t.Errorf("kind: got %v, want %v (%v)", e.Kind, tt.wantKind, err)
			}
			if got := MayHaveActed(err); got != tt.wantActed {
				t.Errorf("MayHaveActed: got %v, want %v", got, tt.wantActed)
			}
			if e.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter: got %v, want %v", e.RetryAfter, tt.wantRetry)
			}
			if e.StatusCode != tt.status {
				t.Errorf("StatusCode: got %d, want %d", e.StatusCode, tt.status)
			}
			if !strings.Contains(err.Error(), tt.wantInText) {
				t.Errorf("message: got %q, want it to contain %q", err.Error(), tt.wantInText)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message has several lines: %q", err.Error())
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"seconds with spaces", " 3 ", 3 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge is clamped to a day", "99999999999999999", 24 * time.Hour},
		{"http date", "Wed, 01 Jan 2025 12:01:00 GMT", time.Minute},
		{"rfc850 date", "Wednesday, 01-Jan-25 12:00:10 GMT", 10 * time.Second},
		{"date in the past", "Wed, 01 Jan 2025 11:00:00 GMT", 0},
		{"garbage", "later please", 0},
		{"fraction", "1.5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q): got %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestDecodeErrorBody(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantDetail string
		wantFields string
		wantJSON   bool
	}{
		{"fields", `{"username": ["This field must be unique."], "email": ["Enter a valid email address."]}`,
			"", "email: Enter a valid email address.; username: This field must be unique.", true},
		{"detail", `{"detail": "Token invalid/expired"}`, "Token invalid/expired", "", true},
		{"single string message", `{"path": "No leading or trailing slashes allowed."}`,
			"", "path: No leading or trailing slashes allowed.", true},
		{"list child errors", `{"groups": {"1": ["“x” is not a valid UUID."]}}`,
			"", "groups.1: “x” is not a valid UUID.", true},
		{"not json", `<html></html>`, "", "", false},
		{"json array", `["a"]`, "", "", false},
		{"empty", ``, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			detail, fields, isJSON := decodeErrorBody(h, []byte(tt.body))
			if detail != tt.wantDetail || fields.String() != tt.wantFields || isJSON != tt.wantJSON {
				t.Errorf("got (%q, %q, %v), want (%q, %q, %v)", detail, fields.String(), isJSON,
					tt.wantDetail, tt.wantFields, tt.wantJSON)
			}
		})
	}
}

func TestClassifyTransportCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := classifyTransport(answer{op: "create user", url: "http://x/"}, errors.New("boom"), ctx, time.Second, &sendTrace{})
	if e.Kind != KindCanceled || !errors.Is(e, context.Canceled) || ShouldRetry(e) {
		t.Errorf("got kind %v, Is(Canceled) %v, ShouldRetry %v; want canceled, true, false",
			e.Kind, errors.Is(e, context.Canceled), ShouldRetry(e))
	}
}

func TestSendTraceMayHaveActed(t *testing.T) {
	tests := []struct {
		name                        string
		gotConn, wrote, writeFailed bool
		want                        bool
	}{
		{"never connected", false, false, false, false},
		{"connected, write pending", true, false, false, true},
		{"written", true, true, false, true},
		{"write failed", true, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sendTrace
			s.gotConn.Store(tt.gotConn)
			s.wrote.Store(tt.wrote)
			s.writeFailed.Store(tt.writeFailed)
			if got := s.mayHaveActed(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPermissionFor(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"POST", "core/users/", "authentik_core.add_user"},
		{"PATCH", "core/users/7/", "authentik_core.change_user"},
		{"GET", "core/users/", "authentik_core.view_user"},
		{"GET", "core/users/7/", "authentik_core.view_user"},
		{"GET", "core/users/me/", "authentik_core.view_user"},
		{"GET", "core/groups/", "authentik_core.view_group"},
		{"POST", "core/users/7/set_password/", "authentik_core.reset_user_password"},
		{"POST", "core/users/7/set_password_hash/", "authentik_core.reset_user_password"},
		{"POST", "core/users/7/recovery_email/", "authentik_core.reset_user_password"},
		{"DELETE", "core/users/7/", "authentik_core.delete_user"},
		{"GET", "stages/email/", "authentik_stages_email.view_emailstage"},
		{"GET", "admin/version/", ""},
	}
	for _, tt := range tests {
		if got := permissionFor(tt.method, tt.path); got != tt.want {
			t.Errorf("permissionFor(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// A 403 names the permission the refused request needs, and is not retried.
func TestForbiddenNamesThePermission(t *testing.T) {
	c, _ := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, `{"detail": "You do not have permission to perform this action."}`)
	}), ClientConfig{})
	ctx := testCtx(t)
	calls := []struct {
		name string
		call func() error
		want string
	}{
		{"create", func() error { _, err := c.CreateUser(ctx, &UserRequest{Username: "a"}); return err }, "authentik_core.add_user"},
		{"patch", func() error { _, err := c.PatchUser(ctx, 7, map[string]any{"name": "A"}); return err }, "authentik_core.change_user"},
		{"find", func() error { _, _, err := c.FindUserByUsername(ctx, "a"); return err }, "authentik_core.view_user"},
		{"groups", func() error { _, err := c.ListGroupsPage(ctx, 1); return err }, "authentik_core.view_group"},
		{"password", func() error { return c.SetPassword(ctx, 7, "pw") }, "authentik_core.reset_user_password"},
		{"delete", func() error { return c.DeleteUser(ctx, 7) }, "authentik_core.delete_user"},
	}
	for _, tt := range calls {
		err := tt.call()
		if !strings.Contains(fmt.Sprint(err), "needs the permission "+tt.want) || ShouldRetry(err) || !IsFatal(err) {
			t.Errorf("%s: %v (retry %v), want a fatal error naming %s", tt.name, err, ShouldRetry(err), tt.want)
		}
	}
}

// A host name that does not resolve is a typo, not a blip: fatal at once, with the fix.
func TestUnknownHostIsFatal(t *testing.T) {
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "auth.exmaple.com", IsNotFound: true}}
	}}
	c, err := NewClient(ClientConfig{BaseURL: "https://auth.exmaple.com", Token: testToken, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Version(testCtx(t))
	if !IsFatal(err) || ShouldRetry(err) || MayHaveActed(err) || !strings.Contains(err.Error(), "check the host name") {
		t.Errorf("got %v, want a fatal error that says to check the host name", err)
	}
	if dials.Load() != 1 {
		t.Errorf("%d dials, want 1", dials.Load())
	}
	// A resolver that does not answer is still a blip.
	e := classifyTransport(answer{op: "op", url: "u"}, &net.DNSError{Err: "i/o timeout", Name: "h", IsTimeout: true}, context.Background(), time.Second, &sendTrace{})
	if e.Kind != KindTransient {
		t.Errorf("DNS timeout: kind %v, want transient", e.Kind)
	}
}
