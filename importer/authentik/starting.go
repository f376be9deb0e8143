package authentik

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// routerError recognises the answers authentik's router gives for it while authentik
// starts or its backend is down (F-S1): a JSON object with a top-level "error" string,
// whatever the status (200 "authentik starting" up to 2026.5, 502 for a backend that is
// down, 503 since 2026.8). None of authentik's own answers has that key.
func routerError(a answer) (string, bool) {
	body := bytes.TrimSpace(a.body)
	if len(body) == 0 || body[0] != '{' || !bytes.Contains(body, []byte(`"error"`)) {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return "", false
	}
	var msg string
	if raw, ok := obj["error"]; !ok || json.Unmarshal(raw, &msg) != nil || msg == "" {
		return "", false
	}
	return msg, true
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
