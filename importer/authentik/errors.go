package authentik

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// Error renders one line a user can act on: "create user: rejected (400): email: Enter a …".
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
	case statuses[s].text != "":
		return fmt.Sprintf("%s (%d)", statuses[s].text, s)
	case s == 404 && e.Kind == KindNotFound:
		return "not found (404)"
	case s == 404:
		base, _, _ := strings.Cut(e.URL, "?")
		return fmt.Sprintf("no authentik API at %s (404)", base)
	case s >= 300 && s < 400:
		return fmt.Sprintf("the server redirects (%d)", s)
	case s >= 200 && s < 300 && e.Kind != KindTransient:
		return fmt.Sprintf("the answer (%d) is not authentik's", s)
	case e.Kind == KindTransient:
		return fmt.Sprintf("authentik is unavailable (%d)", s)
	}
	return fmt.Sprintf("unexpected answer (%d)", s)
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

// errorOf is err's *Error, or a zero one (no kind, no status).
func errorOf(err error) Error {
	var e *Error
	if errors.As(err, &e) {
		return *e
	}
	return Error{}
}

// IsFatal reports whether err means the run cannot go on (token, URL, host, TLS).
func IsFatal(err error) bool { return errorOf(err).Kind == KindFatal }

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool { return errorOf(err).Kind == KindTransient }

// IsRejected reports whether authentik refused the request's content (400).
func IsRejected(err error) bool { return errorOf(err).Kind == KindRejected }

// IsNotFound reports whether the object asked for does not exist (404 on an object URL).
func IsNotFound(err error) bool { return errorOf(err).Kind == KindNotFound }

// IsCanceled reports whether the caller's context ended the call.
func IsCanceled(err error) bool {
	return errorOf(err).Kind == KindCanceled || errors.Is(err, context.Canceled)
}

// IsUniqueViolation reports whether err is the 400 authentik gives when the username is taken.
func IsUniqueViolation(err error) bool {
	return IsRejected(err) && slices.Contains(errorOf(err).Fields["username"], uniqueMessage)
}

// MayHaveActed reports whether a failed request may have been carried out (look a create up before
// retrying it): no answer, or one that does not rule it out; an error not the client's may have.
func MayHaveActed(err error) bool {
	var e *Error
	return err != nil && (!errors.As(err, &e) || e.mayHaveActed)
}

// StatusOf is the HTTP status authentik (or a proxy) answered with, 0 when no answer came.
func StatusOf(err error) int { return errorOf(err).StatusCode }

// RetryAfterOf is the wait the server asked for with Retry-After, 0 when none.
func RetryAfterOf(err error) time.Duration { return errorOf(err).RetryAfter }

// IsStarting reports whether authentik's router answered: starting, or backend down (F-S1).
func IsStarting(err error) bool { return errorOf(err).starting }

// DefaultMaxRetryAfter caps a server's Retry-After: a proxy asking for an hour must not stall a run.
const DefaultMaxRetryAfter = 5 * time.Minute

// ShouldRetry reports whether a failed call is worth another attempt: transient failures
// only, never a cancelled context. For a create, check MayHaveActed first.
func ShouldRetry(err error) bool { return IsTransient(err) && !IsCanceled(err) }

// Backoff is how long to wait before a retry: exponential from Min, capped at Max, with
// equal jitter (half to all of the step), unless the server said how long (Retry-After).
type Backoff struct {
	Min, Max      time.Duration
	MaxRetryAfter time.Duration  // caps a server's Retry-After (default DefaultMaxRetryAfter)
	Rand          func() float64 // in [0, 1), for the jitter (default math/rand/v2)
}

// DefaultBackoff suits a server that is restarting or briefly overloaded.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}

// Delay is the wait before retry number attempt (from 1); a positive retryAfter wins, capped.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, cmp.Or(b.MaxRetryAfter, DefaultMaxRetryAfter))
	}
	lo, hi := max(b.Min, 0), max(b.Max, b.Min, 0)
	if hi == 0 {
		return 0
	}
	step := max(lo, time.Nanosecond)
	for i := 1; i < attempt && step < hi; i++ {
		if step > hi/2 { // doubling would pass the cap (or overflow)
			step = hi
		} else {
			step *= 2
		}
	}
	random := b.Rand
	if random == nil {
		random = rand.Float64
	}
	half := step / 2
	return half + time.Duration(random()*float64(step-half))
}
