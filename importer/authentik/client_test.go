package authentik

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestAPIBase(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "host", in: "https://auth.example.com", want: "https://auth.example.com/api/v3/"},
		{name: "trailing slash", in: "https://auth.example.com/", want: "https://auth.example.com/api/v3/"},
		{name: "api path given", in: "https://auth.example.com/api/v3", want: "https://auth.example.com/api/v3/"},
		{name: "api path with slash", in: "https://auth.example.com/api/v3/", want: "https://auth.example.com/api/v3/"},
		{name: "sub path", in: "https://example.com/authentik/", want: "https://example.com/authentik/api/v3/"},
		{name: "http with port", in: " http://127.0.0.1:9000 ", want: "http://127.0.0.1:9000/api/v3/"},
		{name: "empty", in: "", wantErr: "no URL given"},
		{name: "no scheme", in: "auth.example.com", wantErr: "add http:// or https://"},
		{name: "host and port without scheme", in: "127.0.0.1:44725", wantErr: `"127.0.0.1:44725" has no scheme: add http:// or https://`},
		{name: "credentials without scheme", in: "me:pw@auth.example.com/x", wantErr: `"[redacted]@auth.example.com/x" has no scheme`},
		{name: "token in the query", in: "https://auth.example.com/?token=pw", wantErr: `"https://auth.example.com/?[redacted]" must not have a query`},
		{name: "token in the fragment", in: "https://me:pw@auth.example.com#pw", wantErr: "must not have a query or fragment"},
		{name: "other scheme", in: "ftp://auth.example.com", wantErr: "must start with https://"},
		{name: "no host", in: "https://", wantErr: "has no host"},
		{name: "credentials", in: "https://me:pw@auth.example.com", wantErr: "must not contain a user name"},
		{name: "query", in: "https://auth.example.com/?x=1", wantErr: "query or fragment"},
		{name: "unparsable", in: "http://[::1", wantErr: "is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apiBase(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got (%q, %v), want an error containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error shows the URL's password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got (%q, %v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestNewClientConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr string
	}{
		{name: "ok", cfg: ClientConfig{BaseURL: "https://a.example", Token: testToken}},
		{name: "token file newline trimmed", cfg: ClientConfig{BaseURL: "https://a.example", Token: testToken + "\n"}},
		{name: "no token", cfg: ClientConfig{BaseURL: "https://a.example", Token: " \n"}, wantErr: "no API token"},
		{name: "token with space", cfg: ClientConfig{BaseURL: "https://a.example", Token: "ab " + testToken}, wantErr: "spaces or control characters"},
		{name: "negative timeout", cfg: ClientConfig{BaseURL: "https://a.example", Token: testToken, Timeout: -1}, wantErr: "negative"},
		{name: "bad url", cfg: ClientConfig{BaseURL: "a.example", Token: testToken}, wantErr: "https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			assertNoToken(t, err)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if c.token != testToken {
					t.Errorf("token: got %q, want the trimmed token", c.token)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTransportFitsMaxConns(t *testing.T) {
	c, err := NewClient(ClientConfig{BaseURL: "https://a.example", Token: testToken, MaxConns: 16, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := c.http.Transport.(*http.Transport)
	got := []int{tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost}
	if want := []int{16, 16, 16}; !reflect.DeepEqual(got, want) {
		t.Errorf("MaxIdleConns, MaxIdleConnsPerHost, MaxConnsPerHost: got %v, want %v", got, want)
	}
	if !tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("Insecure did not reach the transport")
	}
}

// seenRequest is what a test handler saw.
type seenRequest struct {
	method, path string
	query        url.Values
	header       http.Header
	body         map[string]any
}

func TestRequests(t *testing.T) {
	tests := []struct {
		name       string
		call       func(context.Context, *Client) (any, error)
		status     int
		answer     string
		wantMethod string
		wantPath   string
		wantQuery  url.Values
		wantBody   map[string]any
		want       any
	}{
		{
			name: "create user",
			call: func(ctx context.Context, c *Client) (any, error) {
				name := "Alice"
				u, err := c.CreateUser(ctx, &UserRequest{Username: "alice", Name: &name, Groups: []string{"g1"}})
				return pkOf(u), err
			},
			status: 201, answer: userJSON, wantMethod: "POST", wantPath: "/api/v3/core/users/",
			wantBody: map[string]any{"username": "alice", "name": "Alice", "groups": []any{"g1"}}, want: 7,
		},
		{
			name:   "get user",
			call:   func(ctx context.Context, c *Client) (any, error) { u, err := c.GetUser(ctx, 7); return pkOf(u), err },
			status: 200, answer: userJSON, wantMethod: "GET", wantPath: "/api/v3/core/users/7/", want: 7,
		},
		{
			name: "patch user",
			call: func(ctx context.Context, c *Client) (any, error) {
				u, err := c.PatchUser(ctx, 7, map[string]any{"is_active": false})
				return pkOf(u), err
			},
			status: 200, answer: userJSON, wantMethod: "PATCH", wantPath: "/api/v3/core/users/7/",
			wantBody: map[string]any{"is_active": false}, want: 7,
		},
		{
			name: "set password",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetPassword(ctx, 7, "hunter2")
			},
			status: 204, wantMethod: "POST", wantPath: "/api/v3/core/users/7/set_password/",
			wantBody: map[string]any{"password": "hunter2"},
		},
		{
			name: "find user",
			call: func(ctx context.Context, c *Client) (any, error) {
				u, found, err := c.FindUserByUsername(ctx, "alice & bob")
				return fmt.Sprint(pkOf(u), found), err
			},
			status: 200, answer: `{"pagination": {"next": 0, "count": 1}, "results": [` + strings.Replace(userJSON, `"alice"`, `"alice & bob"`, 1) + `]}`,
			wantMethod: "GET", wantPath: "/api/v3/core/users/",
			wantQuery: url.Values{"username": {"alice & bob"}, "include_groups": {"false"}, "page_size": {"100"}, "page": {"1"}},
			want:      "7 true",
		},
		{
			name: "find user ignores a case-insensitive match",
			call: func(ctx context.Context, c *Client) (any, error) {
				u, found, err := c.FindUserByUsername(ctx, "Alice")
				return fmt.Sprint(pkOf(u), found), err
			},
			status: 200, answer: `{"pagination": {"next": 0, "count": 1}, "results": [` + userJSON + `]}`,
			wantMethod: "GET", wantPath: "/api/v3/core/users/",
			wantQuery: url.Values{"username": {"Alice"}, "include_groups": {"false"}, "page_size": {"100"}, "page": {"1"}},
			want:      "0 false",
		},
		{
			name: "find user none",
			call: func(ctx context.Context, c *Client) (any, error) {
				u, found, err := c.FindUserByUsername(ctx, "nobody")
				return fmt.Sprint(pkOf(u), found), err
			},
			status: 200, answer: `{"pagination": {"next": 0, "count": 0}, "results": []}`,
			wantMethod: "GET", wantPath: "/api/v3/core/users/",
			wantQuery: url.Values{"username": {"nobody"}, "include_groups": {"false"}, "page_size": {"100"}, "page": {"1"}},
			want:      "0 false",
		},
		{
			name: "list groups, one page",
			call: func(ctx context.Context, c *Client) (any, error) {
				p, err := c.ListGroupsPage(ctx, 1)
				if len(p.Results) != 1 {
					return fmt.Sprint(len(p.Results)), err
				}
				return p.Results[0].Name + " " + p.Results[0].PK + fmt.Sprint(" next ", p.Pagination.Next), err
			},
			status: 200, answer: `{"pagination": {"next": 0}, "results": [{"pk": "0c8c3b1e-1111-4a57-9f67-2b3d1c7a1e11", "name": "staff"}]}`,
			wantMethod: "GET", wantPath: "/api/v3/core/groups/",
			wantQuery: url.Values{"include_users": {"false"}, "page_size": {"100"}, "page": {"1"}},
			want:      "staff 0c8c3b1e-1111-4a57-9f67-2b3d1c7a1e11 next 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(chan seenRequest, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := seenRequest{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone()}
				if b, _ := io.ReadAll(r.Body); len(b) > 0 {
					_ = json.Unmarshal(b, &s.body)
				}
				seen <- s
				writeJSON(w, tt.status, tt.answer)
			})
			c, _ := newTestServer(t, h, ClientConfig{UserAgent: "akimport-test/1"})
			got, err := tt.call(testCtx(t), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got != tt.want {
				t.Errorf("result: got %v, want %v", got, tt.want)
			}
			var s seenRequest
			select {
			case s = <-seen:
			case <-time.After(5 * time.Second):
				t.Fatal("the server saw no request")
			}
			if s.method != tt.wantMethod || s.path != tt.wantPath {
				t.Errorf("request: got %s %s, want %s %s", s.method, s.path, tt.wantMethod, tt.wantPath)
			}
			if len(tt.wantQuery) > 0 && !reflect.DeepEqual(s.query, tt.wantQuery) {
				t.Errorf("query: got %v, want %v", s.query, tt.wantQuery)
			}
			if !reflect.DeepEqual(s.body, tt.wantBody) {
				t.Errorf("body: got %v, want %v", s.body, tt.wantBody)
			}
			wantHeader := map[string]string{
				"Authorization": "Bearer " + testToken, "Content-Type": "application/json",
				"Accept": "application/json", "User-Agent": "akimport-test/1",
			}
			for k, v := range wantHeader {
				if got := s.header.Get(k); got != v {
					t.Errorf("header %s: got %q, want %q", k, got, v)
				}
			}
		})
	}
}

// pkOf is u's pk, 0 for nil.
func pkOf(u *User) int {
	if u == nil {
		return 0
	}
	return u.PK
}

// pagedUsers serves GET core/users/ as pages of usernames.
func pagedUsers(t *testing.T, pages [][]string, queries chan<- url.Values) http.Handler {
	t.Helper()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if queries != nil {
			queries <- q
		}
		var n int
		if _, err := fmt.Sscan(q.Get("page"), &n); err != nil || n < 1 || n > len(pages) {
			writeJSON(w, 404, `{"detail": "Invalid page."}`)
			return
		}
		users := make([]User, 0, len(pages[n-1]))
		for i, name := range pages[n-1] {
			users = append(users, User{PK: n*100 + i, Username: name})
		}
		next := n + 1
		if n == len(pages) {
			next = 0
		}
		b, _ := json.Marshal(UserList{Pagination: Pagination{Next: next, Current: n, TotalPages: len(pages)}, Results: users})
		writeJSON(w, 200, string(b))
	})
}

func TestListUsersFollowsPages(t *testing.T) {
	pages := [][]string{{"a", "b"}, {"c", "d"}, {"e"}}
	queries := make(chan url.Values, 10)
	c, _ := newTestServer(t, pagedUsers(t, pages, queries), ClientConfig{})
	filter := url.Values{"path": {"users/hr"}}
	var got []string
	err := c.ListUsers(testCtx(t), filter, func(u User) error {
		got = append(got, u.Username)
		return nil
	})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if want := []string{"a", "b", "c", "d", "e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("users: got %v, want %v", got, want)
	}
	close(queries)
	var seenPages []string
	for q := range queries {
		seenPages = append(seenPages, q.Get("page"))
		if q.Get("path") != "users/hr" || q.Get("page_size") != "100" || q.Get("include_groups") != "false" {
			t.Errorf("query %v: want path=users/hr, page_size=100, include_groups=false", q)
		}
	}
	if want := []string{"1", "2", "3"}; !reflect.DeepEqual(seenPages, want) {
		t.Errorf("pages asked: got %v, want %v", seenPages, want)
	}
	if want := (url.Values{"path": {"users/hr"}}); !reflect.DeepEqual(filter, want) {
		t.Errorf("the caller's filter changed: got %v, want %v", filter, want)
	}
}

func TestListUsersStops(t *testing.T) {
	errStop := errors.New("stop here")
	tests := []struct {
		name    string
		handler http.Handler
		fn      func(User) error
		wantErr error
		wantN   int
	}{
		{name: "callback error stops and is returned", handler: pagedUsers(t, [][]string{{"a", "b"}, {"c"}}, nil),
			fn: func(u User) error {
				if u.Username == "b" {
					return errStop
				}
				return nil
			}, wantErr: errStop, wantN: 2},
		{name: "page gone while paging ends the list", wantN: 1,
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("page") == "1" {
					writeJSON(w, 200, `{"pagination": {"next": 2}, "results": [{"pk": 1, "username": "a"}]}`)
					return
				}
				writeJSON(w, 404, `{"detail": "Invalid page."}`)
			})},
		{name: "next pointing back is an error", wantN: 1,
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"pagination": {"next": 1}, "results": [{"pk": 1, "username": "a"}]}`)
			})},
		{name: "json that is not a list is fatal",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"users": []}`) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestServer(t, tt.handler, ClientConfig{})
			n := 0
			err := c.ListUsers(testCtx(t), nil, func(u User) error {
				n++
				if tt.fn != nil {
					return tt.fn(u)
				}
				return nil
			})
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error: got %v, want %v", err, tt.wantErr)
			case tt.name == "next pointing back is an error" && err == nil:
				t.Error("got no error, want one")
			case tt.name == "json that is not a list is fatal" && !IsFatal(err):
				t.Errorf("got %v, want a fatal error", err)
			case tt.name == "page gone while paging ends the list" && err != nil:
				t.Errorf("got %v, want no error", err)
			}
			if n != tt.wantN {
				t.Errorf("callbacks: got %d, want %d", n, tt.wantN)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const password = "pa55-w0rd-XYZ"
	tests := []struct {
		name string
		call func(context.Context, *Client) error
		body string
	}{
		{name: "server echoes the token in detail", body: `{"detail": "bad token ` + testToken + `"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateUser(ctx, &UserRequest{Username: "a"})
				return err
			}},
		{name: "server echoes the token in a field", body: `{"username": ["` + testToken + `"]}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateUser(ctx, &UserRequest{Username: "a"})
				return err
			}},
		{name: "server echoes the password", body: `{"password": ["too weak: ` + password + `"]}`,
			call: func(ctx context.Context, c *Client) error { return c.SetPassword(ctx, 7, password) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, tt.body) })
			c, _ := newTestServer(t, h, ClientConfig{})
			err := tt.call(testCtx(t), c)
			asError(t, err)
			if strings.Contains(err.Error(), password) {
				t.Errorf("error contains the password: %q", err.Error())
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("got %q, want the secret replaced by [redacted]", err.Error())
			}
		})
	}
}

func TestBodySizeCap(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		wantActed bool
	}{
		{"huge success may have created", 201, true},
		{"huge refusal", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			big := `{"detail": "` + strings.Repeat("x", 4096) + `"}`
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, big) })
			c, _ := newTestServer(t, h, ClientConfig{MaxBodyBytes: 1024})
			_, err := c.CreateUser(testCtx(t), &UserRequest{Username: "a"})
			e := asError(t, err)
			if e.Kind != KindUnexpected || !strings.Contains(err.Error(), "larger than 1024 bytes") {
				t.Errorf("got %v (%v), want an unexpected answer larger than 1024 bytes", e.Kind, err)
			}
			if MayHaveActed(err) != tt.wantActed {
				t.Errorf("MayHaveActed: got %v, want %v", MayHaveActed(err), tt.wantActed)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, userJSON)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	tests := []struct {
		name     string
		url      string
		insecure bool
		wantText string // empty: success
	}{
		{name: "self-signed is refused with a hint", url: srv.URL, wantText: "use --insecure only if you trust this server"},
		{name: "insecure accepts it", url: srv.URL, insecure: true},
		{name: "https to a plain http server", url: strings.Replace(plain.URL, "http:", "https:", 1), wantText: "does not speak TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(ClientConfig{BaseURL: tt.url, Token: testToken, Insecure: tt.insecure, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			u, err := c.CreateUser(testCtx(t), &UserRequest{Username: "alice"})
			if tt.wantText == "" {
				if err != nil || u.PK != 7 {
					t.Fatalf("got (%v, %v), want user 7", u, err)
				}
				return
			}
			e := asError(t, err)
			if e.Kind != KindFatal || MayHaveActed(err) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got kind %v, acted %v, %q; want fatal, not acted, containing %q",
					e.Kind, MayHaveActed(err), err.Error(), tt.wantText)
			}
		})
	}
}

func TestNetworkFailures(t *testing.T) {
	// A port that refuses: listen, note the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	_ = l.Close()

	closeAfterRead := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only once the body is read does the server notice the client hanging up.
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	tests := []struct {
		name      string
		handler   http.Handler // nil: use the refused address
		timeout   time.Duration
		wantActed bool
		wantText  string
	}{
		{name: "connection refused", wantText: "no answer from authentik"},
		{name: "closed after reading the request", handler: closeAfterRead, wantActed: true, wantText: "EOF"},
		{name: "timeout after sending", handler: hang, timeout: 30 * time.Millisecond, wantActed: true, wantText: "no answer within 30ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Client
			if tt.handler == nil {
				var err error
				c, err = NewClient(ClientConfig{BaseURL: refused, Token: testToken})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				c, _ = newTestServer(t, tt.handler, ClientConfig{Timeout: tt.timeout})
			}
			_, err := c.CreateUser(testCtx(t), &UserRequest{Username: "alice"})
			e := asError(t, err)
			if e.Kind != KindTransient || !ShouldRetry(err) {
				t.Errorf("got kind %v (%v), want transient and retryable", e.Kind, err)
			}
			if got := MayHaveActed(err); got != tt.wantActed {
				t.Errorf("MayHaveActed: got %v, want %v", got, tt.wantActed)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("message: got %q, want it to contain %q", err.Error(), tt.wantText)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		close(started)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, _ := newTestServer(t, h, ClientConfig{})
	ctx, cancel := context.WithCancel(testCtx(t))
	go func() {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
		}
		cancel()
	}()
	_, err := c.CreateUser(ctx, &UserRequest{Username: "alice"})
	e := asError(t, err)
	if e.Kind != KindCanceled || !errors.Is(err, context.Canceled) || ShouldRetry(err) || !MayHaveActed(err) {
		t.Errorf("got kind %v, Is(Canceled) %v, ShouldRetry %v, MayHaveActed %v; want canceled, true, false, true",
			e.Kind, errors.Is(err, context.Canceled), ShouldRetry(err), MayHaveActed(err))
	}
}

func TestConnectionReuse(t *testing.T) {
	var calls atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		switch calls.Add(1) % 5 {
		case 0:
			writeJSON(w, 201, userJSON)
		case 1:
			writeJSON(w, 400, `{"username": ["This field must be unique."]}`)
		case 2:
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"detail": "slow down"}`)
		case 3:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write([]byte(strings.Repeat("<p>bad gateway</p>", 100)))
		case 4:
			writeJSON(w, 404, `{"detail": "Not found."}`)
		}
	})
	srv := httptest.NewUnstartedServer(h)
	var newConns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for i := range 50 {
		if i%2 == 0 {
			_, err = c.CreateUser(ctx, &UserRequest{Username: fmt.Sprint("u", i)})
		} else {
			_, err = c.GetUser(ctx, i)
		}
		assertNoToken(t, err)
	}
	if got := newConns.Load(); got != 1 {
		t.Errorf("connections opened for 50 sequential requests: got %d, want 1", got)
	}
}

func TestURLCredentialsNeverShown(t *testing.T) {
	for _, raw := range []string{
		"https://admin:s3cret-pw@auth example.com",
		"ftp://admin:s3cret-pw@auth.example.com",
		"https://admin:s3cret-pw@auth.example.com",
		"https://admin:s3cret-pw@auth.example.com/%zz",
	} {
		_, err := NewClient(ClientConfig{BaseURL: raw, Token: "t"})
		if err == nil {
			t.Errorf("%q: accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%q: the password is in the error: %v", raw, err)
		}
	}
}

func TestUsersQuery(t *testing.T) {
	tests := []struct {
		name   string
		filter url.Values
		want   string
	}{
		{"none", nil, "include_groups=false"},
		{"a filter", url.Values{"path": {"users/hr"}}, "include_groups=false&path=users%2Fhr"},
		{"groups asked for", url.Values{"include_groups": {"true"}}, "include_groups=true"},
	}
	for _, tt := range tests {
		before := tt.filter.Encode()
		if got := usersQuery(tt.filter); got.Encode() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got.Encode(), tt.want)
		}
		if tt.filter.Encode() != before {
			t.Errorf("%s: the caller's filter changed to %q", tt.name, tt.filter.Encode())
		}
	}
}
