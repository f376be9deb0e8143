package authentik

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

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
