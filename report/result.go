// Package report holds the result of each input row and writes it: CSV and JSONL report
// writers (flushed per row), the reader used by --resume, the summary, progress and metrics.
// It knows nothing of HTTP.
package report

// Status is what happened to one input row; the values are the report's contract.
type Status string

// The statuses of the design's report table.
const (
	StatusCreated     Status = "created"     // 201, the user exists now
	StatusUpdated     Status = "updated"     // --on-existing update: fields were patched
	StatusUnchanged   Status = "unchanged"   // --on-existing update: already equal
	StatusDeactivated Status = "deactivated" // --deactivate-missing: not in the file, set inactive (line 0)
	StatusExists      Status = "exists"      // username taken; success with skip, failure with fail
	StatusPlanned     Status = "planned"     // dry run: valid, would be sent
	StatusInvalid     Status = "invalid"     // refused before sending (client-side check)
	StatusRejected    Status = "rejected"    // authentik answered 400
	StatusFailed      Status = "failed"      // gave up: network, 5xx after retries, unexpected answer
	StatusDeleted     Status = "deleted"     // undo --delete: the user is gone
	StatusSkipped     Status = "skipped"     // a deactivation or undo left the user alone; error says why
)

// Result is one report row. Line is the input file's own line number (0 for rows that are
// not in the file, such as deactivated users). Password and token never reach a Result.
type Result struct {
	Line       int      `json:"line" csv:"line"`
	Username   string   `json:"username" csv:"username"`
	Status     Status   `json:"status" csv:"status"`
	HTTPStatus int      `json:"http_status,omitempty" csv:"http_status"`
	PK         int      `json:"pk,omitempty" csv:"pk"`
	UUID       string   `json:"uuid,omitempty" csv:"uuid"`
	Attempts   int      `json:"attempts" csv:"attempts"`
	Error      string   `json:"error,omitempty" csv:"error"`
	Warnings   Warnings `json:"warnings,omitempty" csv:"warnings"`
	// Action says what was or would be done beyond the status: in a dry run with --url,
	// "create", "update: name, email", "unchanged", "skip (exists)", "deactivate"; after an
	// update, which fields were patched.
	Action string `json:"action,omitempty" csv:"action"`
	// Input is the fingerprint of the input file the row came from; --resume refuses a
	// report whose fingerprint differs from the file being imported.
	Input string `json:"input,omitempty" csv:"input"`
	// Onboarding is the recovery e-mail of --send-recovery-email: OnboardingSent, or why it
	// was not sent (authentik's message); empty when none was asked for.
	Onboarding string `json:"onboarding,omitempty" csv:"onboarding"`
}

// OnboardingSent is the onboarding cell of a row whose recovery e-mail authentik sent.
const OnboardingSent = "sent"

// OnboardingFailed reports whether a recovery e-mail was asked for and not sent. In a dry
// run the cell only predicts, so a planned row never counts.
func (r Result) OnboardingFailed() bool {
	return r.Onboarding != "" && r.Onboarding != OnboardingSent && r.Status != StatusPlanned
}

// Failed reports whether the row counts against the run (exit code 1, --max-errors).
func (r Result) Failed() bool {
	switch r.Status {
	case StatusInvalid, StatusRejected, StatusFailed:
		return true
	case StatusCreated:
		// The user exists, but its recovery e-mail was not sent: the run exits 1.
		return r.OnboardingFailed()
	case StatusExists:
		// --on-existing fail writes why into Error; --on-existing skip leaves it empty.
		return r.Error != ""
	}
	return false
}

// Done reports whether --resume may skip the row: the user is in the state the row asks for.
func (r Result) Done() bool {
	switch r.Status {
	case StatusCreated:
		// A created user whose recovery e-mail was not sent is finished by --resume.
		return !r.OnboardingFailed()
	case StatusUpdated, StatusUnchanged, StatusDeactivated:
		return true
	case StatusExists:
		return r.Error == ""
	}
	return false
}
