package authentiktest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/akimport/akimport/importer/authentik"
)

const (
	testToken     = "secret-token"
	readOnlyToken = "read-only-token"
	staffPK       = "11111111-1111-4111-8111-111111111111"
	salesPK       = "22222222-2222-4222-8222-222222222222"
	missingPK     = "99999999-9999-4999-8999-999999999999"
)

var testGroups = []authentik.Group{
	{PK: staffPK, Name: "staff"},
	{PK: salesPK, Name: "sales", Attributes: map[string]any{"region": "emea"}},
}

// newTestServer serves a Server with the test token and groups unless opts names others.
func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Groups == nil {
		opts.Groups = testGroups
	}
	opts.ReadOnlyTokens = append(opts.ReadOnlyTokens, readOnlyToken)
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// request is one call; zero fields get the usual values (token, JSON content type).
type request struct {
	method      string
	path        string // under /api/v3/ unless it starts with "/"
	body        string
	contentType string // "-" for none
	auth        string // "-" for none
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, ts *httptest.Server, req request) response {
	t.Helper()
	resp, err := send(ts, req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	return resp
}

func send(ts *httptest.Server, req request) (response, error) {
	path := req.path
	if !strings.HasPrefix(path, "/") {
		path = "/api/v3/" + path
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequestWithContext(ctx, req.method, ts.URL+path, body)
	if err != nil {
		return response{}, err
	}
	switch req.contentType {
	case "":
		r.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		r.Header.Set("Content-Type", req.contentType)
	}
	switch req.auth {
	case "":
		r.Header.Set("Authorization", "Bearer "+testToken)
	case "-":
	default:
		r.Header.Set("Authorization", req.auth)
	}
	resp, err := ts.Client().Do(r)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// create posts a user body and returns the answer.
func create(t *testing.T, ts *httptest.Server, body string) response {
	t.Helper()
	return do(t, ts, request{method: http.MethodPost, path: "core/users/", body: body})
}

// mustCreate creates a user and returns it.
func mustCreate(t *testing.T, ts *httptest.Server, body string) authentik.User {
	t.Helper()
	resp := create(t, ts, body)
	if resp.status != http.StatusCreated {
		t.Fatalf("create %s: status %d %s", body, resp.status, resp.body)
	}
	return decode[authentik.User](t, resp.body)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

// wantResponse checks the status and the exact body.
func wantResponse(t *testing.T, got response, status int, body string) {
	t.Helper()
	if got.status != status || got.body != body {
		t.Errorf("got %d %s\nwant %d %s", got.status, got.body, status, body)
	}
}

type userLike = authentik.User

func compareStrings(a, b string) int { return strings.Compare(a, b) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func newBenchServer(b *testing.B, s *Server) *httptest.Server {
	b.Helper()
	ts := httptest.NewServer(s)
	ts.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.Cleanup(ts.Close)
	return ts
}
