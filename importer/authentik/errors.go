package authentik

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind sorts every failed call into what the caller should do about it.
type Kind int

const (
	// KindUnexpected is an answer akimport has no rule for (e.g. 405, 409, a 400 that is not
	// JSON): the row fails, the run goes on, nothing is retried.
	KindUnexpected Kind = iota
	// KindRejected is a 400: authentik refused this request's content (Fields or Detail).
	KindRejected
	// KindFatal means no request can succeed: bad token (401/403), wrong URL (404 on a list,
	// a redirect, an answer that is not authentik's), 415, an untrusted TLS certificate.
	KindFatal
	// KindTransient is worth retrying: network errors, timeouts, 429, 500, 502, 503, 504.
	KindTransient
	// KindNotFound is a 404 on an object URL such as core/users/{pk}/.
	KindNotFound
	// KindCanceled is the caller's context being cancelled or reaching its deadline.
	KindCanceled
)

var kindNames = [...]string{
	KindUnexpected: "unexpected",
	KindRejected:   "rejected",
	KindFatal:      "fatal",
	KindTransient:  "transient",
	KindNotFound:   "not found",
	KindCanceled:   "canceled",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// uniqueMessage is authentik's wording when a username is taken (F-U3).
const uniqueMessage = "This field must be unique."

// Error is every failure the client returns: an answer authentik (or something in front of
// it) gave, or the reason no answer came. It never contains the token or a password.
type Error struct {
	Op         string        // what was attempted, e.g. "create user"
	Kind       Kind          // what the caller should do about it
	StatusCode int           // HTTP status, 0 when no answer came
	URL        string        // the request URL (it never carries credentials)
	Fields     FieldErrors   // a 400's field messages, verbatim
	Detail     string        // authentik's "detail", or a description of the answer
	RetryAfter time.Duration // from Retry-After (429, 503), 0 when absent
	Err        error         // the cause (network, TLS, decoding), if any

	// mayHaveActed: the request may have reached authentik and been carried out although
	// no success came back (see MayHaveActed).
	mayHaveActed bool
	// hint is advice appended to the message, e.g. about --insecure.
	hint string
	// starting: authentik's router answered for it (starting, backend down: F-S1).
	starting bool
}

// Error renders one line a user can act on, e.g.
// "create user: rejected (400): email: Enter a valid email address.".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.summary())
	if reason := e.Reason(); reason != "" {
		b.WriteString(": ")
		b.WriteString(reason)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.hint != "" {
		b.WriteString("; ")
		b.WriteString(e.hint)
	}
	return b.String()
}

// summary is the part of the message that says what kind of answer this was.
func (e *Error) summary() string {
	s := e.StatusCode
	switch {
	case e.Kind == KindCanceled:
		return "canceled"
	case s == 0 && e.Kind == KindFatal:
		return "cannot talk to authentik"
	case s == 0:
		return "no answer from authentik"
	case s == 400 && e.Kind == KindRejected:
		return "rejected (400)"
	case s == 401:
		return "the server asked for other credentials (401)"
	case s == 403:
		return "authentik refused the token (403)"
	case s == 404 && e.Kind == KindNotFound:
		return "not found (404)"
	case s == 404:
		base, _, _ := strings.Cut(e.URL, "?")
		return fmt.Sprintf("no authentik API at %s (404)", base)
	case s == 415:
		return "authentik refused the content type (415)"
	case s == 429:
		return "too many requests (429)"
	case s >= 300 && s < 400:
		return fmt.Sprintf("the server redirects (%d)", s)
	case s >= 200 && s < 300 && e.Kind != KindTransient:
		return fmt.Sprintf("the answer (%d) is not authentik's", s)
	case e.Kind == KindTransient:
		return fmt.Sprintf("authentik is unavailable (%d)", s)
	default:
		return fmt.Sprintf("unexpected answer (%d)", s)
	}
}

// Reason is authentik's own words: the field messages as the report's error cell writes them,
// or the detail. Empty when the server said nothing useful.
func (e *Error) Reason() string {
	if len(e.Fields) > 0 {
		if e.Detail != "" {
			return e.Detail + "; " + e.Fields.String()
		}
		return e.Fields.String()
	}
	return e.Detail
}

// Unwrap gives errors.Is/As the cause, e.g. context.Canceled or a *url.Error.
func (e *Error) Unwrap() error { return e.Err }

// kindOf is err's Kind, and whether err is an *Error at all.
func kindOf(err error) (Kind, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	return 0, false
}

// IsFatal reports whether err means the run cannot go on (bad token, wrong URL, TLS).
func IsFatal(err error) bool { k, ok := kindOf(err); return ok && k == KindFatal }

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool { k, ok := kindOf(err); return ok && k == KindTransient }

// IsRejected reports whether authentik refused the request's content (400).
func IsRejected(err error) bool { k, ok := kindOf(err); return ok && k == KindRejected }

// IsNotFound reports whether the object asked for does not exist (404 on an object URL).
func IsNotFound(err error) bool { k, ok := kindOf(err); return ok && k == KindNotFound }

// IsCanceled reports whether the caller's context ended the call.
func IsCanceled(err error) bool {
	k, ok := kindOf(err)
	return (ok && k == KindCanceled) || errors.Is(err, context.Canceled)
}

// IsUniqueViolation reports whether err is the 400 authentik gives when the username is taken.
func IsUniqueViolation(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRejected {
		return false
	}
	return slices.Contains(e.Fields["username"], uniqueMessage)
}

// MayHaveActed reports whether a failed request may nevertheless have been carried out by
// authentik: it was sent and no answer, or an answer that does not rule it out (500, 502,
// 504, a success the client could not read), came back. Before retrying a create for which
// this is true, look the username up. It is false when authentik certainly did not act:
// the connection was never made (DNS, refused, TLS) or the answer says so (400, 403, 404,
// 429, 503). An error that is not the client's is assumed to have acted.
func MayHaveActed(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if !errors.As(err, &e) {
		return true
	}
	return e.mayHaveActed
}

// StatusOf is the HTTP status authentik (or a proxy) answered with, 0 when no answer came.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// RetryAfterOf is the wait the server asked for with Retry-After, 0 when none.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// IsStarting reports whether err is the answer authentik's router gives while authentik
// starts or its backend is down (F-S1): worth waiting for longer than a passing failure.
func IsStarting(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.starting
}
