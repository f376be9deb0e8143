package authentik

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// answer is what came back for one request, read in full (up to the size cap).
type answer struct {
	op, url string // the request's, for errors
	status  int
	header  http.Header
	body    []byte
}

// statuses are the answers whose meaning depends on neither body nor URL; text names them.
var statuses = map[int]struct {
	kind Kind
	text string
}{
	401: {KindFatal, "the server asked for other credentials"},
	403: {KindFatal, "authentik refused the token"},
	415: {KindFatal, "authentik refused the content type"},
	429: {KindTransient, "too many requests"},
	500: {KindTransient, ""}, 502: {KindTransient, ""}, 503: {KindTransient, ""}, 504: {KindTransient, ""},
}

// classifyAnswer turns a non-success answer to r into an *Error (success is decoded by do).
func classifyAnswer(r request, a answer, now time.Time) *Error {
	s := a.status
	e := &Error{Op: a.op, URL: a.url, StatusCode: s, Kind: statuses[s].kind}
	var isJSON bool
	e.Detail, e.Fields, isJSON = decodeErrorBody(a.header, a.body)
	switch {
	case s == http.StatusBadRequest && isJSON:
		e.Kind = KindRejected
	case s == http.StatusForbidden:
		if perm := permissionFor(r.method, r.path); perm != "" {
			e.hint = "the token must be valid and its user needs the permission " + perm
		}
	case s == http.StatusNotFound && r.object:
		e.Kind = KindNotFound
	case s == http.StatusNotFound:
		e.Kind, e.hint = KindFatal, "check the authentik URL"
	case s >= 300 && s < 400:
		e.Kind = KindFatal
		if loc := a.header.Get("Location"); loc != "" {
			e.Detail, e.hint = "to "+loc, "use that address as the authentik URL"
		}
	case s == http.StatusTooManyRequests, s == http.StatusServiceUnavailable:
		e.RetryAfter = parseRetryAfter(a.header.Get("Retry-After"), now)
	}
	// A transient answer came from authentik (500, F-U13) or from a proxy that may have passed
	// the request on: authentik never answers 429 to a token (F-A3), and its router's own 503
	// was recognised before this (F-S1). Any other 4xx refused the request.
	e.mayHaveActed = e.Kind == KindTransient || s >= 500
	return e
}

// notAuthentik is the fatal error for a success answer that authentik would not give: an
// HTML login page of a proxy, JSON of another shape, the web UI instead of the API.
func notAuthentik(a answer, why string) *Error {
	return &Error{Op: a.op, URL: a.url, StatusCode: a.status, Kind: KindFatal, Detail: why,
		hint: "check the authentik URL", mayHaveActed: true}
}

// nonJSON is h's Content-Type when it is set and names no JSON (application/json, …+json).
func nonJSON(h http.Header) string {
	ct := h.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if ct == "" || mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return ""
	}
	return ct
}

// decode decodes a success answer into out, or says why it is not authentik's answer.
func (a answer) decode(out any) *Error {
	if ct := nonJSON(a.header); ct != "" {
		return notAuthentik(a, "it is "+ct+", not JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber() // attributes keep their numbers exact: a merge re-sends them as given
	if err := dec.Decode(out); err != nil {
		return notAuthentik(a, "it is not the JSON expected: "+err.Error())
	}
	return nil
}

// decodeErrorBody reads authentik's error bodies: {"detail": "..."} (F-A2) and one key per
// field with a list of messages (F-U2). isJSON is false when the body is no JSON object.
func decodeErrorBody(h http.Header, body []byte) (detail string, fields FieldErrors, isJSON bool) {
	var obj map[string]any
	if nonJSON(h) != "" || json.Unmarshal(body, &obj) != nil || obj == nil {
		return "", nil, false
	}
	if d, ok := obj["detail"].(string); ok {
		detail = d
		delete(obj, "detail")
	}
	fields = FieldErrors{}
	addMessages(fields, "", obj)
	return detail, fields, true
}

// addMessages flattens one field's error value: a message, a list of them, or (for list
// and nested fields) an object of those, whose keys extend the field name ("groups.0").
func addMessages(fe FieldErrors, field string, v any) {
	switch v := v.(type) {
	case nil:
	case string:
		fe.Add(field, v)
	case []any:
		for _, m := range v {
			addMessages(fe, field, m)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			name := k
			if field != "" {
				name = field + "." + k
			}
			addMessages(fe, name, v[k])
		}
	default:
		fe.Add(field, fmt.Sprint(v))
	}
}

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent, malformed or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(secs, 0), 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// sendTrace records how far a request got, from the transport's httptrace callbacks.
type sendTrace struct {
	gotConn, wrote, writeFailed atomic.Bool
}

// mayHaveActed: the request was written, or a connection was made and its write did not fail
// (yet: the transport may report an error before the write callback runs).
func (t *sendTrace) mayHaveActed() bool {
	return t.wrote.Load() || (t.gotConn.Load() && !t.writeFailed.Load())
}

// classifyTransport classifies an error of Do or of reading the body; parent is the caller's context.
func classifyTransport(a answer, err error, parent context.Context, timeout time.Duration, sent *sendTrace) *Error {
	e := &Error{Op: a.op, URL: a.url, Err: err, Kind: KindTransient, mayHaveActed: sent.mayHaveActed()}
	var (
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
		netErr    net.Error
		dnsErr    *net.DNSError
	)
	switch {
	case parent.Err() != nil:
		e.Kind, e.Err = KindCanceled, parent.Err()
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		e.Kind, e.hint = KindFatal, "use --insecure only if you trust this server"
		e.Detail = "the server's TLS certificate is not trusted: " + rootCause(err).Error()
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http reports an http:// server behind an https:// URL as a plain error.
		e.Kind, e.hint = KindFatal, "use an http:// URL if that is what it serves"
		e.Detail = "the server does not speak TLS at this address"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		// A name that does not exist will not exist in a second either: a typo, not a blip.
		e.Kind, e.hint = KindFatal, "check the host name in the URL"
		e.Detail = fmt.Sprintf("the host %q does not resolve", dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.Detail = fmt.Sprintf("no answer within %s", timeout)
	}
	return e
}

// rootCause is err's innermost cause, without *url.Error's URL (the message shows it elsewhere).
func rootCause(err error) error {
	for next := err; next != nil; next = errors.Unwrap(next) {
		err = next
	}
	return err
}

// permissionFor names the permission a 403 to this request may lack; "" when none is known.
func permissionFor(method, path string) string {
	switch {
	case strings.HasPrefix(path, "core/groups/"):
		return "authentik_core.view_group"
	case strings.HasPrefix(path, "stages/email/"):
		return "authentik_stages_email.view_emailstage"
	case !strings.HasPrefix(path, "core/users/"):
		return ""
	case strings.HasSuffix(path, "/set_password/"), strings.HasSuffix(path, "/set_password_hash/"),
		strings.HasSuffix(path, "/recovery_email/"):
		return "authentik_core.reset_user_password"
	}
	perms := map[string]string{http.MethodPost: "add_user", http.MethodPatch: "change_user", http.MethodDelete: "delete_user"}
	return "authentik_core." + cmp.Or(perms[method], "view_user")
}

// startingError is the transient error of the answer authentik's router gives, whatever the
// status, while authentik starts or its backend is down (F-S1): a top-level "error", which
// authentik's own answers never have. The request was not carried out. nil for other answers.
func startingError(a answer, now time.Time) *Error {
	var body struct {
		Error string `json:"error"`
	}
	if !bytes.Contains(a.body, []byte(`"error"`)) || json.Unmarshal(a.body, &body) != nil || body.Error == "" {
		return nil
	}
	return &Error{Op: a.op, URL: a.url, StatusCode: a.status, Kind: KindTransient, starting: true,
		Detail:     body.Error + " (authentik is starting or its backend is down; waiting)",
		RetryAfter: parseRetryAfter(a.header.Get("Retry-After"), now)}
}

// StatusText describes a router answer for a log line, e.g. `200 "authentik starting"`.
func StatusText(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return ""
	}
	msg, _, _ := strings.Cut(e.Detail, " (")
	return fmt.Sprintf("%d %q", e.StatusCode, msg)
}
