package importer

import (
	"context"
	"errors"

	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/record"
)

// UsageError is a problem with the command line or the input found before any row was
// sent: a bad flag, an unreadable file, an unknown column, a deactivation that would exceed
// --max-deactivate or cannot read every username, a resume of another run. Exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// FatalError stops the whole run at once: authentik refused the token, could not be
// reached, or its certificate is not trusted. Exit code 3.
type FatalError = execute.FatalError

// ErrRowsFailed means the run finished but some rows are invalid, rejected or failed. Exit code 1.
var ErrRowsFailed = errors.New("some rows were not imported: see the report")

// ErrMaxErrors means the run stopped after --max-errors rows failed; rows never sent stay
// out of the report for --resume. Exit code 1.
var ErrMaxErrors = record.ErrMaxErrors

// ErrInterrupted means SIGINT or SIGTERM stopped the run after it drained. Exit code 130.
var ErrInterrupted = errors.New("interrupted: stopped taking rows, finished those in flight")

// Exit codes of the command-line contract.
const (
	ExitOK          = 0
	ExitRowsFailed  = 1
	ExitUsage       = 2
	ExitFatal       = 3
	ExitInterrupted = 130
)

// ExitCode maps the error Run returned to the process exit code: the one place that decides it.
func ExitCode(err error) int {
	var usage *UsageError
	var fatal *FatalError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &fatal):
		return ExitFatal
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, ErrRowsFailed), errors.Is(err, ErrMaxErrors):
		return ExitRowsFailed
	}
	return ExitFatal // the report or the input failed mid-way
}

// ExitMeaning is the one-line explanation of an exit code, printed with the summary.
func ExitMeaning(code int) string {
	switch code {
	case ExitOK:
		return "every row succeeded"
	case ExitRowsFailed:
		return "the run finished but some rows are invalid, rejected or failed"
	case ExitUsage:
		return "usage or input error; nothing was sent"
	case ExitFatal:
		return "fatal: authentik refused the token or could not be reached; the run stopped"
	case ExitInterrupted:
		return "interrupted; rows in flight were finished and written"
	}
	return "unknown"
}
