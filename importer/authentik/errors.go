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
	KindUnexpected Kind = iota // no rule for it (405, 409, a 400 not in JSON): the row fails, no retry
	KindRejected               // 400: authentik refused the request's content (Fields or Detail)
	KindFatal                  // no request can succeed: token, URL, host, 415, TLS certificate
	KindTransient              // worth retrying: network, timeouts, 429, 500, 502, 503, 504
	KindNotFound               // 404 on an object URL such as core/users/{pk}/
	KindCanceled               // the caller's context ended
)

func (k Kind) String() string {
	names := [...]string{"unexpected", "rejected", "fatal", "transient", "not found", "canceled"}
	if k < 0 || int(k) >= len(names) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return names[k]
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

	mayHaveActed bool   // see MayHaveActed
	hint         string // advice appended to the message, e.g. about --insecure
	starting     bool   // authentik's router answered for it (starting, backend down: F-S1)
}

// Error renders one line a user can act on, e.g.
// "create user: rejected (400): email: Enter a valid email address.".
func (e *Error) Error() string {
	msg := e.summary()
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if reason := e.Reason(); reason != "" {
		msg += ": " + reason
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.hint != "" {
		msg += "; " + e.hint
	}
	return msg
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

// errorOf is err's *Error, or nil.
func errorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsFatal reports whether err means the run cannot go on (token, URL, host, TLS).
func IsFatal(err error) bool { e := errorOf(err); return e != nil && e.Kind == KindFatal }

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool { e := errorOf(err); return e != nil && e.Kind == KindTransient }

// IsRejected reports whether authentik refused the request's content (400).
func IsRejected(err error) bool { e := errorOf(err); return e != nil && e.Kind == KindRejected }

// IsNotFound reports whether the object asked for does not exist (404 on an object URL).
func IsNotFound(err error) bool { e := errorOf(err); return e != nil && e.Kind == KindNotFound }

// IsCanceled reports whether the caller's context ended the call.
func IsCanceled(err error) bool {
	e := errorOf(err)
	return (e != nil && e.Kind == KindCanceled) || errors.Is(err, context.Canceled)
}

// IsUniqueViolation reports whether err is the 400 authentik gives when the username is taken.
func IsUniqueViolation(err error) bool {
	e := errorOf(err)
	return e != nil && e.Kind == KindRejected && slices.Contains(e.Fields["username"], uniqueMessage)
}

// MayHaveActed reports whether a failed request may have been carried out: no answer, or one
// that does not rule it out (500, 502, 504, an unreadable success); look a create up before
// retrying it. False without a connection (DNS, refused, TLS) or with an answer that rules it
// out (400, 403, 404, 429, 503). An error that is not the client's may have acted.
func MayHaveActed(err error) bool {
	e := errorOf(err)
	return err != nil && (e == nil || e.mayHaveActed)
}

// StatusOf is the HTTP status authentik (or a proxy) answered with, 0 when no answer came.
func StatusOf(err error) int {
	if e := errorOf(err); e != nil {
		return e.StatusCode
	}
	return 0
}

// RetryAfterOf is the wait the server asked for with Retry-After, 0 when none.
func RetryAfterOf(err error) time.Duration {
	if e := errorOf(err); e != nil {
		return e.RetryAfter
	}
	return 0
}

// IsStarting reports whether err is the answer authentik's router gives while authentik
// starts or its backend is down (F-S1): worth waiting for longer than a passing failure.
func IsStarting(err error) bool { e := errorOf(err); return e != nil && e.starting }
