package authentik

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testToken is what every test client sends; no error may ever contain it.
const testToken = "s3cr3t-token-ABCDEFGHIJKLMNOP"

// newTestServer starts h on 127.0.0.1 and a client for it; cfg's BaseURL and Token are
// filled in.
func newTestServer(t *testing.T, h http.Handler, cfg ClientConfig) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.Token = srv.URL, testToken
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, srv
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// testCtx is a context that ends with the test, bounded so that nothing hangs.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// asError requires err to be an *Error, and checks it does not leak the token.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want one")
	}
	assertNoToken(t, err)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T (%v), want *Error", err, err)
	}
	return e
}

// assertNoToken fails when err's message contains the test token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("error contains the token: %q", err.Error())
	}
}

// userJSON is a minimal user as authentik returns it.
const userJSON = `{"pk": 7, "uuid": "6a1b3c1e-9f0e-4a57-9f67-2b3d1c7a1e11", "username": "alice",
"name": "Alice", "is_active": true, "last_login": null, "is_superuser": false, "groups": [],
"groups_obj": null, "email": "alice@example.com", "avatar": "", "attributes": {}, "uid": "x",
"path": "users", "type": "internal"}`
