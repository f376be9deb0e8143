package authentik

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero values of ClientConfig.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxConns     = 8
	DefaultUserAgent    = "akimport"
	DefaultMaxBodyBytes = 4 << 20
)

const (
	apiPath    = "/api/v3" // F-A1
	pageSize   = "100"     // always sent: newer versions default to 20 (F-L1)
	drainLimit = 64 << 10  // a longer unread body is cheaper to abandon with its connection
)

// ClientConfig configures NewClient. Only BaseURL and Token are required.
type ClientConfig struct {
	BaseURL  string // e.g. https://auth.example.com; "/api/v3" is added unless there
	Token    string // sent only as "Authorization: Bearer"; surrounding space is trimmed
	Insecure bool   // skip TLS certificate verification
	// Timeout bounds each request, its answer included (default 30s).
	Timeout      time.Duration
	MaxConns     int    // requests in flight at most; the pool is sized to it (default 8)
	UserAgent    string // default "akimport"
	MaxBodyBytes int64  // a longer answer is an error (default 4 MiB)
	// HTTPClient replaces the client built from Insecure and MaxConns (tests). Redirects are
	// never followed, whatever its CheckRedirect says.
	HTTPClient *http.Client
}

// Client calls authentik's users API. Each method makes exactly one HTTP attempt: retrying
// is the caller's job. It is safe for concurrent use.
type Client struct {
	base      string // ends in "/api/v3/"
	token     string
	userAgent string
	timeout   time.Duration
	maxBody   int64
	http      *http.Client
	now       func() time.Time
}

// NewClient checks cfg and builds a Client with one shared connection pool.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := apiBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(cfg.Token)
	switch {
	case token == "":
		return nil, errors.New("authentik: no API token given")
	case strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return nil, errors.New("authentik: the API token contains spaces or control characters; check the token file")
	case cfg.Timeout < 0 || cfg.MaxConns < 0 || cfg.MaxBodyBytes < 0:
		return nil, errors.New("authentik: timeout, connection count and body cap must not be negative")
	}
	hc := http.Client{Transport: newTransport(cmp.Or(cfg.MaxConns, DefaultMaxConns), cfg.Insecure)}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	// A redirect is reported, not followed: a POST would turn into a GET, and the user
	// should fix the URL (e.g. http:// that redirects to https://).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: base, token: token, userAgent: cmp.Or(cfg.UserAgent, DefaultUserAgent),
		timeout: cmp.Or(cfg.Timeout, DefaultTimeout), maxBody: cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		http: &hc, now: time.Now}, nil
}

// newTransport clones the default transport (proxy from the environment, HTTP/2, dial
// timeouts) and sizes its pool so that maxConns workers keep their connections.
func newTransport(maxConns int, insecure bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxConns
	t.MaxIdleConnsPerHost = maxConns
	t.MaxConnsPerHost = maxConns
	if insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	return t
}

// apiBase validates a server URL and returns its API base, ending in "/api/v3/".
func apiBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	shown := displayURL(raw)
	switch {
	case raw == "":
		return "", errors.New("authentik: no URL given (e.g. https://auth.example.com)")
	case !strings.Contains(raw, "://"):
		return "", fmt.Errorf("authentik: the URL %q has no scheme: add http:// or https:// in front", shown)
	case strings.ContainsAny(raw, "?#"):
		return "", fmt.Errorf("authentik: the URL %q must not have a query or fragment", shown)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password and all
		}
		return "", fmt.Errorf("authentik: the URL %q is not valid: %w", shown, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("authentik: the URL %q must start with https:// or http://", shown)
	case u.Host == "":
		return "", fmt.Errorf("authentik: the URL %q has no host", shown)
	case u.User != nil:
		return "", errors.New("authentik: the URL must not contain a user name or password; give the token separately")
	}
	path := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(path, apiPath) {
		path += apiPath
	}
	u.Path, u.RawPath = path+"/", ""
	return u.String(), nil
}

// displayURL is raw as a message may show it: user info, query and fragment (which may hold
// secrets) hidden.
func displayURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i] + "?[redacted]"
	}
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest = raw
	}
	authority, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return strings.TrimSuffix(raw, rest) + "[redacted]" + rest[at:]
	}
	return raw
}

// BaseURL is the API base the client sends to, e.g. "https://auth.example.com/api/v3/".
func (c *Client) BaseURL() string { return c.base }

// request is one call: what to send, and how to read what comes back.
type request struct {
	op     string
	method string
	path   string // under the API base, e.g. "core/users/"
	query  url.Values
	body   any      // JSON-encoded when not nil
	ep     endpoint // what a 404 means
	secret string   // a value (e.g. a password) to remove from any error, besides the token
}

// do sends r once and returns the success answer (2xx), or an *Error for anything else.
func (c *Client) do(ctx context.Context, r request) (answer, error) {
	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	a, err := c.send(ctx, r, target)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			c.redact(e, r.secret)
		}
		return answer{}, err
	}
	return a, nil
}

func (c *Client) send(ctx context.Context, r request, target string) (answer, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return answer{}, &Error{Op: r.op, URL: target, Kind: KindUnexpected, Err: fmt.Errorf("encoding the request: %w", err)}
		}
		body = bytes.NewReader(b)
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	sent := &sendTrace{}
	reqCtx = httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { sent.gotConn.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err != nil {
				sent.writeFailed.Store(true)
			} else {
				sent.wrote.Store(true)
			}
		},
	})
	req, err := http.NewRequestWithContext(reqCtx, r.method, target, body)
	if err != nil {
		return answer{}, &Error{Op: r.op, URL: target, Kind: KindFatal, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, classifyTransport(r.op, target, err, ctx, c.timeout, sent)
	}
	defer closeBody(resp.Body)
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		// The status line came back, so authentik acted on the request (or is acting).
		e := classifyTransport(r.op, target, err, ctx, c.timeout, sent)
		e.StatusCode, e.mayHaveActed = resp.StatusCode, true
		return answer{}, e
	}
	if int64(len(b)) > c.maxBody {
		return answer{}, &Error{
			Op: r.op, URL: target, StatusCode: resp.StatusCode, Kind: KindUnexpected,
			Detail:       fmt.Sprintf("the answer is larger than %d bytes", c.maxBody),
			mayHaveActed: resp.StatusCode < 400 || resp.StatusCode >= 500,
		}
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if msg, ok := routerError(a); ok {
		return answer{}, startingError(r.op, target, a, msg, c.now())
	}
	if a.status < 200 || a.status > 299 {
		e := classifyAnswer(r.op, target, r.ep, a, c.now())
		if perm := permissionFor(r.method, r.path); a.status == http.StatusForbidden && perm != "" {
			e.hint = "the token must be valid and its user needs the permission " + perm
		}
		return answer{}, e
	}
	return a, nil
}

// closeBody drains (up to drainLimit) and closes a body, so its connection is reused.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// redact removes the token and secret from everything e says: a server or proxy may echo a
// request back.
func (c *Client) redact(e *Error, secret string) {
	pairs := []string{c.token, "[redacted]"}
	if secret != "" {
		pairs = append(pairs, secret, "[redacted]")
	}
	r := strings.NewReplacer(pairs...)
	e.Detail, e.URL = r.Replace(e.Detail), r.Replace(e.URL)
	for _, msgs := range e.Fields {
		for i, m := range msgs {
			msgs[i] = r.Replace(m)
		}
	}
	if e.Err != nil {
		if msg := r.Replace(e.Err.Error()); msg != e.Err.Error() {
			e.Err = &redactedError{msg: msg, cause: e.Err}
		}
	}
}

// redactedError shows a cleaned message but keeps the cause for errors.Is/As.
type redactedError struct {
	msg   string
	cause error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.cause }

// decodeJSON decodes a success answer into out, or says why it is not authentik's answer.
func decodeJSON(op, target string, a answer, out any) error {
	if ct := a.header.Get("Content-Type"); ct != "" && !isJSONType(ct) {
		return notAuthentik(op, target, a.status, "it is "+ct+", not JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber() // attributes keep their numbers exact: a merge re-sends them as given
	if err := dec.Decode(out); err != nil {
		return notAuthentik(op, target, a.status, "it is not the JSON expected: "+err.Error())
	}
	return nil
}

// userCall makes r, whose answer must be one user.
func (c *Client) userCall(ctx context.Context, r request) (*User, error) {
	a, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var u User
	if err := decodeJSON(r.op, c.base+r.path, a, &u); err != nil {
		return nil, err
	}
	if u.PK == 0 || u.Username == "" {
		return nil, notAuthentik(r.op, c.base+r.path, a.status, "it has no user pk or username")
	}
	return &u, nil
}

func userPath(pk int) string { return fmt.Sprintf("core/users/%d/", pk) }

// CreateUser creates a user (F-U1). On failure, see MayHaveActed before trying again.
func (c *Client) CreateUser(ctx context.Context, u *UserRequest) (*User, error) {
	return c.userCall(ctx, request{op: "create user", method: http.MethodPost, path: "core/users/", body: u, ep: collection})
}

// GetUser reads one user by pk; a missing one is a KindNotFound error.
func (c *Client) GetUser(ctx context.Context, pk int) (*User, error) {
	return c.userCall(ctx, request{op: "get user", method: http.MethodGet, path: userPath(pk), ep: object})
}

// PatchUser changes the given fields of a user (F-L2); "groups" replaces the whole set.
func (c *Client) PatchUser(ctx context.Context, pk int, fields map[string]any) (*User, error) {
	return c.userCall(ctx, request{op: "update user", method: http.MethodPatch, path: userPath(pk), body: fields, ep: object})
}

// SetPassword sets a user's password (F-L3). The password never appears in an error.
func (c *Client) SetPassword(ctx context.Context, pk int, password string) error {
	_, err := c.do(ctx, request{
		op: "set password", method: http.MethodPost, path: userPath(pk) + "set_password/",
		body: PasswordRequest{Password: password}, ep: object, secret: password,
	})
	return err
}

// errFound stops a listing once the wanted item is seen.
var errFound = errors.New("found")

// findFirst returns the first item of path's list under filter q that matches: the filter
// narrows, match decides (an ignored filter lists everything, F-L1).
func findFirst[T any](ctx context.Context, c *Client, op, path string, q url.Values, match func(T) bool) (*T, bool, error) {
	var found *T
	err := listPages(ctx, c, op, path, q, func(item T) error {
		if match(item) {
			found = &item
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, false, err
	}
	return found, found != nil, nil
}

// FindUserByUsername looks a user up by exact username (F-L1).
func (c *Client) FindUserByUsername(ctx context.Context, username string) (*User, bool, error) {
	q := url.Values{"username": {username}, "include_groups": {"false"}}
	return findFirst(ctx, c, "find user", "core/users/", q, func(u User) bool { return u.Username == username })
}

// ListUsers calls fn for every user matching filter (e.g. path=…), 100 a page, without
// groups unless filter sets include_groups. An error from fn stops it and is returned.
func (c *Client) ListUsers(ctx context.Context, filter url.Values, fn func(User) error) error {
	return listPages(ctx, c, "list users", "core/users/", usersQuery(filter), fn)
}

// usersQuery is filter without groups unless it asks for them (a join per user for authentik).
func usersQuery(filter url.Values) url.Values {
	q := cloneValues(filter)
	if !q.Has("include_groups") {
		q.Set("include_groups", "false")
	}
	return q
}

// page is one page of any list (F-L1); pointers tell a missing key from an empty one.
type page[T any] struct {
	Pagination *Pagination `json:"pagination"`
	Results    *[]T        `json:"results"`
}

// listPages fetches page after page of a list and calls fn for each item.
func listPages[T any](ctx context.Context, c *Client, op, path string, q url.Values, fn func(T) error) error {
	for n := 1; n != 0; {
		p, err := fetchPage[T](ctx, c, op, path, q, n)
		for _, item := range p.Results { // a page whose next link is wrong is still a page
			if err := fn(item); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		n = p.Pagination.Next
	}
	return nil
}

// Page is one page of a list (F-L1). Pagination.Next is 0 on the last page.
type Page[T any] struct {
	Pagination Pagination
	Results    []T
}

// ListUsersPage reads page n (from 1) of the users matching filter, as ListUsers does. A page
// past the end (users deleted while paging) is an empty last page.
func (c *Client) ListUsersPage(ctx context.Context, filter url.Values, n int) (Page[User], error) {
	return fetchPage[User](ctx, c, "list users", "core/users/", usersQuery(filter), n)
}

// ListGroupsPage reads page n (from 1) of every group, 100 a page, without their users.
func (c *Client) ListGroupsPage(ctx context.Context, n int) (Page[Group], error) {
	return fetchPage[Group](ctx, c, "list groups", "core/groups/", url.Values{"include_users": {"false"}}, n)
}

// fetchPage reads page n of a list; it sets page and page_size in q.
func fetchPage[T any](ctx context.Context, c *Client, op, path string, q url.Values, n int) (Page[T], error) {
	q = cloneValues(q)
	q.Set("page_size", pageSize)
	q.Set("page", fmt.Sprint(n))
	a, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path, query: q, ep: collection})
	if err != nil {
		var e *Error
		if n > 1 && errors.As(err, &e) && e.StatusCode == http.StatusNotFound && e.Detail == "Invalid page." {
			// Items were deleted while paging and this page no longer exists (F-L1).
			return Page[T]{}, nil
		}
		return Page[T]{}, err
	}
	target := c.base + path + "?" + q.Encode()
	var p page[T]
	if err := decodeJSON(op, target, a, &p); err != nil {
		return Page[T]{}, err
	}
	if p.Pagination == nil || p.Results == nil {
		return Page[T]{}, notAuthentik(op, target, a.status, "it is JSON without pagination and results")
	}
	if next := p.Pagination.Next; next != 0 && next <= n {
		return Page[T]{Results: *p.Results}, &Error{Op: op, URL: target, StatusCode: a.status, Kind: KindUnexpected,
			Detail: fmt.Sprintf("page %d names page %d as the next one", n, next)}
	}
	return Page[T]{Pagination: *p.Pagination, Results: *p.Results}, nil
}

// cloneValues copies v, so that setting keys leaves the caller's map alone.
func cloneValues(v url.Values) url.Values { out := url.Values{}; maps.Copy(out, v); return out }
