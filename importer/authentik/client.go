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
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	apiPath    = "/api/v3" // F-A1
	pageSize   = "100"     // always sent: newer versions default to 20 (F-L1)
	drainLimit = 64 << 10  // a longer unread body is cheaper to abandon with its connection
)

// ClientConfig configures NewClient. Only BaseURL and Token are required.
type ClientConfig struct {
	BaseURL      string        // e.g. https://auth.example.com; "/api/v3" is added unless there
	Token        string        // sent only as "Authorization: Bearer"; surrounding space is trimmed
	Insecure     bool          // skip TLS certificate verification
	Timeout      time.Duration // bounds each request, its answer included (default 30s)
	MaxConns     int           // requests in flight at most; the pool is sized to it (default 8)
	UserAgent    string        // default "akimport"
	MaxBodyBytes int64         // a longer answer is an error (default 4 MiB)
	HTTPClient   *http.Client  // replaces the one built from Insecure and MaxConns (tests); never follows redirects
}

// Client calls authentik's users API. Each method makes exactly one HTTP attempt: retrying
// is the caller's job. It is safe for concurrent use.
type Client struct {
	base, token, userAgent string // base ends in "/api/v3/"
	timeout                time.Duration
	maxBody                int64
	http                   *http.Client
	now                    func() time.Time
}

// BaseURL is the API's base, "…/api/v3/": no user info, query or fragment.
func (c *Client) BaseURL() string { return c.base }

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
	// The default transport (proxy from the environment, HTTP/2), pooling a connection a worker.
	t := http.DefaultTransport.(*http.Transport).Clone()
	n := cmp.Or(cfg.MaxConns, 8)
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = n, n, n
	if cfg.Insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	hc := http.Client{Transport: t}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	// A redirect is reported, not followed: a POST would turn into a GET, and the user
	// should fix the URL (e.g. http:// that redirects to https://).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: base, token: token, userAgent: cmp.Or(cfg.UserAgent, "akimport"),
		timeout: cmp.Or(cfg.Timeout, 30*time.Second), maxBody: cmp.Or(cfg.MaxBodyBytes, 4<<20),
		http: &hc, now: time.Now}, nil
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
	if err != nil { // a *url.Error, which repeats the URL, password and all
		return "", fmt.Errorf("authentik: the URL %q is not valid: %w", shown, errors.Unwrap(err))
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

// displayURL is raw with its user info, query and fragment (which may hold secrets) hidden.
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

// request is one call: what to send, and how to read what comes back.
type request struct {
	op, method string
	path       string // under the API base, e.g. "core/users/"
	query      url.Values
	body       any    // JSON-encoded when not nil
	object     bool   // one object's URL: a 404 means it does not exist, else a wrong base URL
	secret     string // a value (e.g. a password) to remove from any error, besides the token
}

// do sends r once and decodes a success answer (2xx) into out, unless out is nil. Anything
// else is an *Error, without the token or r.secret.
func (c *Client) do(ctx context.Context, r request, out any) (answer, error) {
	a, e := c.send(ctx, r)
	if e == nil && out != nil {
		e = a.decode(out)
	}
	if e != nil {
		c.redact(e, r.secret)
		return a, e
	}
	return a, nil
}

func (c *Client) send(ctx context.Context, r request) (answer, *Error) {
	a := answer{op: r.op, url: c.base + r.path}
	if len(r.query) > 0 {
		a.url += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return a, &Error{Op: r.op, URL: a.url, Kind: KindUnexpected, Err: fmt.Errorf("encoding the request: %w", err)}
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
	req, err := http.NewRequestWithContext(reqCtx, r.method, a.url, body)
	if err != nil {
		return a, &Error{Op: r.op, URL: a.url, Kind: KindFatal, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return a, classifyTransport(a, err, ctx, c.timeout, sent)
	}
	defer func() { // drained (a little) and closed, so that its connection is reused
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}()
	a.status, a.header = resp.StatusCode, resp.Header
	if a.body, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1)); err != nil {
		// The status line came back, so authentik acted on the request (or is acting).
		e := classifyTransport(a, err, ctx, c.timeout, sent)
		e.StatusCode, e.mayHaveActed = a.status, true
		return a, e
	}
	if int64(len(a.body)) > c.maxBody {
		return a, &Error{Op: r.op, URL: a.url, StatusCode: a.status, Kind: KindUnexpected,
			Detail:       fmt.Sprintf("the answer is larger than %d bytes", c.maxBody),
			mayHaveActed: a.status < 400 || a.status >= 500}
	}
	if e := startingError(a, c.now()); e != nil {
		return a, e
	}
	if a.status < 200 || a.status > 299 {
		return a, classifyAnswer(r, a, c.now())
	}
	return a, nil
}

// redact removes the token and secret from e: a server or proxy may echo a request back.
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

// userCall makes r, whose answer must be one user.
func (c *Client) userCall(ctx context.Context, r request) (*User, error) {
	var u User
	a, err := c.do(ctx, r, &u)
	if err == nil && (u.PK == 0 || u.Username == "") {
		err = notAuthentik(a, "it has no user pk or username")
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func userPath(pk int) string { return fmt.Sprintf("core/users/%d/", pk) }

// CreateUser creates a user (F-U1) and returns what a create's caller needs of it: pk,
// uuid and is_active (decoding the whole user costs a create a tenth of its CPU).
// On failure, see MayHaveActed before trying again.
func (c *Client) CreateUser(ctx context.Context, u *UserRequest) (*User, error) {
	var created struct {
		PK       int    `json:"pk"`
		UUID     string `json:"uuid"`
		IsActive bool   `json:"is_active"`
	}
	a, err := c.do(ctx, request{op: "create user", method: http.MethodPost, path: "core/users/", body: u}, &created)
	if err == nil && created.PK == 0 {
		err = notAuthentik(a, "it has no user pk")
	}
	if err != nil {
		return nil, err
	}
	return &User{PK: created.PK, UUID: created.UUID, Username: u.Username, IsActive: created.IsActive}, nil
}

// GetUser reads one user by pk; a missing one is a KindNotFound error.
func (c *Client) GetUser(ctx context.Context, pk int) (*User, error) {
	return c.userCall(ctx, request{op: "get user", method: http.MethodGet, path: userPath(pk), object: true})
}

// PatchUser changes the given fields of a user (F-L2); "groups" replaces the whole set.
func (c *Client) PatchUser(ctx context.Context, pk int, fields map[string]any) (*User, error) {
	return c.userCall(ctx, request{op: "update user", method: http.MethodPatch, path: userPath(pk), body: fields, object: true})
}

// SetPassword sets a user's password (F-L3). The password never appears in an error.
func (c *Client) SetPassword(ctx context.Context, pk int, password string) error {
	_, err := c.do(ctx, request{op: "set password", method: http.MethodPost, path: userPath(pk) + "set_password/",
		body: map[string]string{"password": password}, object: true, secret: password}, nil)
	return err
}

// findFirst returns the first item of path's list under filter q that matches: the filter
// narrows, match decides (an ignored filter lists everything, F-L1).
func findFirst[T any](ctx context.Context, c *Client, op, path string, q url.Values, match func(T) bool) (*T, bool, error) {
	for n := 1; n != 0; {
		p, err := fetchPage[T](ctx, c, op, path, q, n)
		if i := slices.IndexFunc(p.Results, match); i >= 0 {
			return &p.Results[i], true, nil
		}
		if err != nil {
			return nil, false, err
		}
		n = p.Pagination.Next
	}
	return nil, false, nil
}

// FindUserByUsername looks a user up by exact username (F-L1).
func (c *Client) FindUserByUsername(ctx context.Context, username string) (*User, bool, error) {
	q := url.Values{"username": {username}, "include_groups": {"false"}}
	return findFirst(ctx, c, "find user", "core/users/", q, func(u User) bool { return u.Username == username })
}

// ListUsers calls fn for every user matching filter (e.g. path=…), 100 a page, without
// groups unless filter sets include_groups. An error from fn stops it and is returned.
func (c *Client) ListUsers(ctx context.Context, filter url.Values, fn func(User) error) error {
	q := usersQuery(filter)
	for n := 1; n != 0; {
		p, err := fetchPage[User](ctx, c, "list users", "core/users/", q, n)
		for _, u := range p.Results { // a page whose next link is wrong is still a page
			if err := fn(u); err != nil {
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

// ListUsersPage reads page n (from 1) of the users matching filter, as ListUsers does. A page
// past the end (users deleted while paging) is an empty last page.
func (c *Client) ListUsersPage(ctx context.Context, filter url.Values, n int) (Page[User], error) {
	return fetchPage[User](ctx, c, "list users", "core/users/", usersQuery(filter), n)
}

// HighestPK is the highest user pk on the first page ordered by -pk (F-L6); a run whose
// mark was proven knows that authentik honours the order.
func (c *Client) HighestPK(ctx context.Context) (int, error) {
	page, err := c.ListUsersPage(ctx, url.Values{"ordering": {"-pk"}}, 1)
	highest := 0
	for _, u := range page.Results {
		highest = max(highest, u.PK)
	}
	return highest, err
}

// ListGroupsPage reads page n (from 1) of every group, 100 a page, without their users.
func (c *Client) ListGroupsPage(ctx context.Context, n int) (Page[Group], error) {
	return fetchPage[Group](ctx, c, "list groups", "core/groups/", url.Values{"include_users": {"false"}}, n)
}

// usersQuery is a copy of filter that leaves groups (a join per user) out unless it asks.
func usersQuery(filter url.Values) url.Values {
	q := url.Values{"include_groups": {"false"}}
	maps.Copy(q, filter)
	return q
}

// fetchPage reads page n of a list filtered by q; it sets page and page_size in q.
func fetchPage[T any](ctx context.Context, c *Client, op, path string, q url.Values, n int) (Page[T], error) {
	q.Set("page_size", pageSize)
	q.Set("page", strconv.Itoa(n))
	var p struct { // pointers tell a missing key from an empty one
		Pagination *Pagination `json:"pagination"`
		Results    *[]T        `json:"results"`
	}
	a, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path, query: q}, &p)
	switch {
	case n > 1 && StatusOf(err) == http.StatusNotFound && errorOf(err).Detail == "Invalid page.":
		return Page[T]{}, nil // items were deleted while paging and this page no longer exists (F-L1)
	case err != nil:
		return Page[T]{}, err
	case p.Pagination == nil || p.Results == nil:
		return Page[T]{}, notAuthentik(a, "it is JSON without pagination and results")
	case p.Pagination.Next != 0 && p.Pagination.Next <= n:
		return Page[T]{Results: *p.Results}, &Error{Op: op, URL: a.url, StatusCode: a.status, Kind: KindUnexpected,
			Detail: fmt.Sprintf("page %d names page %d as the next one", n, p.Pagination.Next)}
	}
	return Page[T]{Pagination: *p.Pagination, Results: *p.Results}, nil
}

// Version reads the server's release (GET admin/version/, F-V1).
func (c *Client) Version(ctx context.Context) (Version, error) {
	var info VersionInfo
	a, err := c.do(ctx, request{op: "read the authentik version", method: http.MethodGet, path: "admin/version/"}, &info)
	if err != nil {
		return Version{}, err
	}
	v, err := ParseVersion(info.VersionCurrent)
	if err != nil {
		return Version{}, notAuthentik(a, err.Error())
	}
	return v, nil
}

// Me reads the token's user (GET core/users/me/, F-V1).
func (c *Client) Me(ctx context.Context) (*User, error) {
	var me SessionUser
	a, err := c.do(ctx, request{op: "read the token's user", method: http.MethodGet, path: "core/users/me/"}, &me)
	if err == nil && me.User.Username == "" {
		err = notAuthentik(a, "it names no user")
	}
	if err != nil {
		return nil, err
	}
	return &User{PK: me.User.PK, Username: me.User.Username, IsSuperuser: me.User.IsSuperuser}, nil
}

// SetPasswordHash sets a password from a Django-format hash (F-H1, 2026.5+), never shown in errors.
func (c *Client) SetPasswordHash(ctx context.Context, pk int, hash string) error {
	_, err := c.do(ctx, request{op: "set password hash", method: http.MethodPost, path: userPath(pk) + "set_password_hash/",
		body: map[string]string{"password": hash}, object: true, secret: hash}, nil)
	return err
}

// SendRecoveryEmail has authentik e-mail the user a recovery link through the e-mail stage
// stagePK (F-R1), named in the query, or in a JSON body when inBody (2026.2+).
func (c *Client) SendRecoveryEmail(ctx context.Context, pk int, stagePK string, inBody bool) error {
	r := request{op: "send recovery e-mail", method: http.MethodPost, path: userPath(pk) + "recovery_email/", object: true}
	if inBody {
		r.body = map[string]string{"email_stage": stagePK}
	} else {
		r.query = url.Values{"email_stage": {stagePK}}
	}
	_, err := c.do(ctx, r, nil)
	return err
}

// FindEmailStage looks an e-mail stage up by exact name, or by pk (a UUID) when byPK.
func (c *Client) FindEmailStage(ctx context.Context, nameOrPK string, byPK bool) (*EmailStage, bool, error) {
	q := url.Values{"name": {nameOrPK}}
	if byPK {
		q = url.Values{}
	}
	return findFirst(ctx, c, "find e-mail stage", "stages/email/", q, func(st EmailStage) bool {
		return (byPK && strings.EqualFold(st.PK, nameOrPK)) || (!byPK && st.Name == nameOrPK)
	})
}

// DeleteUser deletes a user for good (F-D1); a missing one is a KindNotFound error.
func (c *Client) DeleteUser(ctx context.Context, pk int) error {
	_, err := c.do(ctx, request{op: "delete user", method: http.MethodDelete, path: userPath(pk), object: true}, nil)
	return err
}
