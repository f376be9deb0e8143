package authentik

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// endpoint says what a 404 from a URL means.
type endpoint int

const (
	collection endpoint = iota // a list or create URL: it always exists, so a 404 means a wrong base URL
	object                     // one object's URL (core/users/{pk}/): a 404 means it does not exist
)

// answer is what came back for one request, read in full (up to the size cap).
type answer struct {
	status int
	header http.Header
	body   []byte
}

// classifyAnswer turns a non-success answer into an *Error (success is decoded by the caller).
func classifyAnswer(op, url string, ep endpoint, a answer, now time.Time) *Error {
	e := &Error{Op: op, URL: url, StatusCode: a.status}
	detail, fields, isJSON := decodeErrorBody(a.header, a.body)
	e.Detail, e.Fields = detail, fields
	s := a.status
	switch {
	case s == http.StatusBadRequest && isJSON:
		e.Kind = KindRejected
	case s == http.StatusUnauthorized, s == http.StatusForbidden, s == http.StatusUnsupportedMediaType:
		e.Kind = KindFatal
	case s == http.StatusNotFound && ep == object:
		e.Kind = KindNotFound
	case s == http.StatusNotFound:
		e.Kind = KindFatal
		e.hint = "check the authentik URL"
	case s >= 300 && s < 400:
		e.Kind = KindFatal
		if loc := a.header.Get("Location"); loc != "" {
			e.Detail = "to " + loc
			e.hint = "use that address as the authentik URL"
		}
	case s == http.StatusTooManyRequests, s == http.StatusServiceUnavailable:
		e.Kind = KindTransient
		e.RetryAfter = parseRetryAfter(a.header.Get("Retry-After"), now)
		// authentik itself never answers 429 to a token (F-A3), and its router's 503
		// ({"error": …}, F-S1) is recognised before this, in send. So a 429 or 503 here came
		// from a proxy, which may have forwarded the request and lost the answer.
		e.mayHaveActed = true
	case s == http.StatusInternalServerError, s == http.StatusBadGateway, s == http.StatusGatewayTimeout:
		// The request reached authentik (500, F-U13) or a proxy that may have passed it on
		// before losing the answer (502, 504).
		e.Kind = KindTransient
		e.mayHaveActed = true
	default:
		e.Kind = KindUnexpected
		// A 4xx refused the request; anything else may have been carried out.
		e.mayHaveActed = s < 400 || s >= 500
	}
	return e
}

// notAuthentik is the fatal error for a success answer that authentik would not give: an
// HTML login page of a proxy, JSON of another shape, the web UI instead of the API.
func notAuthentik(op, url string, status int, why string) *Error {
	return &Error{
		Op: op, URL: url, StatusCode: status, Kind: KindFatal, Detail: why,
		hint: "check the authentik URL", mayHaveActed: true,
	}
}

// isJSONType reports whether a Content-Type names JSON (application/json, …+json).
func isJSONType(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// decodeErrorBody reads authentik's error bodies: {"detail": "..."} (F-A2) and one key per
// field with a list of messages (F-U2). isJSON is false when the body is no JSON object.
func decodeErrorBody(h http.Header, body []byte) (detail string, fields FieldErrors, isJSON bool) {
	if ct := h.Get("Content-Type"); ct != "" && !isJSONType(ct) {
		return "", nil, false
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return "", nil, false
	}
	fields = FieldErrors{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if d, ok := obj[k].(string); ok && k == "detail" {
			detail = d
			continue
		}
		addMessages(fields, k, obj[k])
	}
	if len(fields) == 0 {
		fields = nil
	}
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
			addMessages(fe, field+"."+k, v[k])
		}
	default:
		fe.Add(field, fmt.Sprint(v))
	}
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date; 0 when absent,
// malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// sendTrace records how far a request got, from the transport's httptrace callbacks.
type sendTrace struct {
	gotConn     atomic.Bool
	wrote       atomic.Bool
	writeFailed atomic.Bool
}

// mayHaveActed: the request was written, or a connection was made and its write did not fail
// (yet: the transport may report an error before the write callback runs).
func (t *sendTrace) mayHaveActed() bool {
	return t.wrote.Load() || (t.gotConn.Load() && !t.writeFailed.Load())
}

// classifyTransport turns an error from http.Client.Do or from reading the body into an
// *Error. parent is the caller's context (not the per-request timeout).
func classifyTransport(op, url string, err error, parent context.Context, timeout time.Duration, sent *sendTrace) *Error {
	e := &Error{Op: op, URL: url, Err: err, Kind: KindTransient, mayHaveActed: sent.mayHaveActed()}
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
		e.Kind = KindFatal
		e.Detail = "the server does not speak TLS at this address"
		e.hint = "use an http:// URL if that is what it serves"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		// A name that does not exist will not exist in a second either: a typo, not a blip.
		e.Kind, e.hint = KindFatal, "check the host name in the URL"
		e.Detail = fmt.Sprintf("the host %q does not resolve", dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.Detail = fmt.Sprintf("no answer within %s", timeout)
	}
	return e
}

// rootCause is the innermost error of a chain of single wraps (it drops the URL prefix
// of *url.Error, which the message shows elsewhere).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// permissionFor names the permission authentik checks for a request (path under the API
// base), for the advice on a 403; "" when there is none to name.
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
	case method == http.MethodPost:
		return "authentik_core.add_user"
	case method == http.MethodPatch:
		return "authentik_core.change_user"
	case method == http.MethodDelete:
		return "authentik_core.delete_user"
	}
	return "authentik_core.view_user"
}

// routerError recognises the answer authentik's router gives while authentik starts or its
// backend is down (F-S1), whatever the status: a top-level "error", which authentik's own
// answers never have.
func routerError(a answer) (string, bool) {
	var body struct {
		Error string `json:"error"`
	}
	if !bytes.Contains(a.body, []byte(`"error"`)) || json.Unmarshal(a.body, &body) != nil || body.Error == "" {
		return "", false
	}
	return body.Error, true
}

// startingError is the transient error of a router answer: the request never reached
// authentik, so it was not carried out, and it is worth retrying after Retry-After.
func startingError(op, url string, a answer, msg string, now time.Time) *Error {
	return &Error{
		Op: op, URL: url, StatusCode: a.status, Kind: KindTransient,
		Detail:     msg + " (authentik is starting or its backend is down; waiting)",
		RetryAfter: parseRetryAfter(a.header.Get("Retry-After"), now),
		starting:   true,
	}
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
