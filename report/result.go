// Package report holds each input row's result and writes it (CSV or JSONL, flushed per row),
// reads it back for --resume, and shows progress, the summary and metrics. It knows no HTTP.
package report

import "slices"

// Status is what happened to one input row; the values are the report's contract.
type Status string

// The statuses of the design's report table, and undo's.
const (
	StatusCreated     Status = "created"     // 201, the user exists now
	StatusUpdated     Status = "updated"     // --on-existing update: fields were patched
	StatusUnchanged   Status = "unchanged"   // --on-existing update: already equal
	StatusDeactivated Status = "deactivated" // --deactivate-missing or undo: set inactive
	StatusDeleted     Status = "deleted"     // undo --delete: the user is gone (F-D1)
	StatusExists      Status = "exists"      // username taken; success with skip, failure with fail
	StatusSkipped     Status = "skipped"     // a deactivation or undo left the user alone; error says why
	StatusPlanned     Status = "planned"     // dry run: valid, would be sent
	StatusInvalid     Status = "invalid"     // refused before sending (client-side check)
	StatusRejected    Status = "rejected"    // authentik answered 400
	StatusFailed      Status = "failed"      // gave up: network, 5xx after retries, unexpected answer
)

// statusOrder is the order of the summary, the progress and the metrics: successes first.
var statusOrder = [...]Status{
	StatusCreated, StatusUpdated, StatusUnchanged, StatusDeactivated, StatusDeleted, StatusExists,
	StatusSkipped, StatusPlanned, StatusInvalid, StatusRejected, StatusFailed,
}

// statusIndex returns the status's position in statusOrder, or -1 for an unknown status.
func statusIndex(s Status) int { return slices.Index(statusOrder[:], s) }

// Known reports whether s is one of the report's statuses.
func (s Status) Known() bool { return statusIndex(s) >= 0 }

// Result is one report row (CSV columns: csvRow). Line is the input file's own line number, 0
// for rows not in the file (deactivated users). Password and token never reach a Result.
type Result struct {
	Line       int       `json:"line"`
	Username   string    `json:"username"`
	Status     Status    `json:"status"`
	HTTPStatus int       `json:"http_status,omitempty"`
	PK         int       `json:"pk,omitempty"`
	UUID       string    `json:"uuid,omitempty"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error,omitempty"`
	Warnings   Warnings  `json:"warnings,omitempty"`
	Action     string    `json:"action,omitempty"`     // beyond the status: "update: name, email", "deactivate"
	Input      string    `json:"input,omitempty"`      // the input's fingerprint, checked by --resume
	Onboarding string    `json:"onboarding,omitempty"` // OnboardingSent, or why the recovery e-mail was not sent
	Problems   []Problem `json:"-"`                    // an invalid row's reasons, for the summary only
}

// Problem is one reason a row is invalid: the field ("" for the row) and the message without
// the failing value, so that rows with the same problem count together.
type Problem struct{ Field, Message string }

// The onboarding cells that are no failure: the e-mail was sent, or an inactive user was
// rightly sent none.
const (
	OnboardingSent     = "sent"
	OnboardingInactive = "none: the user is inactive"
)

// OnboardingFailed reports whether a recovery e-mail was asked for and not sent (a dry run's only predicts).
func (r Result) OnboardingFailed() bool {
	return r.Onboarding != "" && r.Onboarding != OnboardingSent && r.Onboarding != OnboardingInactive && r.Status != StatusPlanned
}

// Failed reports whether the row counts against the run (exit code 1, --max-errors).
func (r Result) Failed() bool {
	switch r.Status {
	case StatusInvalid, StatusRejected, StatusFailed:
		return true
	case StatusCreated:
		return r.OnboardingFailed()
	case StatusExists:
		return r.Error != "" // --on-existing fail says why; skip leaves it empty
	}
	return false
}

// Done reports whether --resume may skip the row: the user is in the state the row asks for.
func (r Result) Done() bool {
	switch r.Status {
	case StatusCreated:
		return !r.OnboardingFailed() // --resume sends the missing recovery e-mail
	case StatusUpdated, StatusUnchanged, StatusDeactivated, StatusDeleted:
		return true
	case StatusExists:
		return r.Error == ""
	}
	return false
}
