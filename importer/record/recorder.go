// Package record is the one owner of a run's report: it writes each entry, counts them,
// shows progress, and keeps the run's own record and lock beside the report. It knows
// nothing of authentik or of how entries are made.
package record

import (
	"go.uber.org/zap"

	"github.com/akimport/akimport/report"
)

// Entry is one report row as the stages hand it over.
type Entry struct {
	report.Result
	// Label is the row's word in a dry run's plan line (create, update, …).
	Label string
	// Carried: copied from the earlier report by --resume; counted apart.
	Carried bool
}

// Recorder writes entries until its channel closes. After a write error it keeps draining,
// so no sender blocks, and asks stop to end the run.
type Recorder struct {
	Log         *zap.Logger
	Out         report.Writer
	Fingerprint string // the input's, on every row
	Tally       *report.Tally
	Progress    report.Progress
	MaxErrors   int         // stop after this many rows rejected or failed (0 = never)
	Stop        func(error) // ends the run's intake
	// Plan counts the dry run's steps by label, for the plan line.
	Plan map[string]int
	// Failures counts rows that fail the run; serverFailures those --max-errors counts.
	Failures       int
	serverFailures int
}

// ErrMaxErrors is the stop's cause when --max-errors rows failed.
var ErrMaxErrors = errorString("stopped after reaching --max-errors")

type errorString string

func (e errorString) Error() string { return string(e) }

// Loop records every entry until in closes and returns the first write error.
func (r *Recorder) Loop(in <-chan Entry) error {
	if r.Plan == nil {
		r.Plan = map[string]int{}
	}
	var writeErr error
	for e := range in {
		if writeErr != nil {
			continue
		}
		if e.Input == "" {
			e.Input = r.Fingerprint
		}
		if writeErr = r.Out.Write(e.Result); writeErr != nil {
			r.Stop(writeErr)
			continue
		}
		r.count(e)
	}
	r.Progress.Done()
	if err := r.Out.Close(); err != nil && writeErr == nil {
		writeErr = err
		r.Stop(err)
	}
	return writeErr
}

func (r *Recorder) count(e Entry) {
	if e.Carried {
		r.Tally.AddCarried(e.Result)
		return
	}
	r.Tally.Add(e.Result)
	label := e.Label
	if e.Status == report.StatusInvalid {
		label = "invalid"
	}
	if label != "" {
		r.Plan[label]++
	}
	switch e.Status {
	case report.StatusRejected, report.StatusFailed:
		r.Log.Warn("row not imported", zap.Int("line", e.Line), zap.String("username", e.Username),
			zap.String("status", string(e.Status)), zap.String("error", e.Error))
	case report.StatusInvalid:
		r.Log.Debug("row invalid", zap.Int("line", e.Line), zap.String("username", e.Username), zap.String("error", e.Error))
	}
	if e.Failed() {
		r.Failures++
		if e.Status != report.StatusInvalid {
			if r.serverFailures++; r.MaxErrors > 0 && r.serverFailures >= r.MaxErrors {
				r.Stop(ErrMaxErrors)
			}
		}
	}
	r.Progress.Update(r.Tally.Snapshot())
}
