package importer

import (
	"go.uber.org/zap"

	"github.com/akimport/akimport/report"
)

// rowResult is what the stages hand the recorder: a report row, and what the journal must
// know of it.
type rowResult struct {
	res report.Result
	// uncertain: a create of the row may have gone through without an answer saying so;
	// the journal marks it unsure, so --resume looks before it creates again.
	uncertain bool
	// carried: copied from the earlier report by --resume; done then, counted apart.
	carried bool
}

// intent asks the recorder to journal rows before their first write; done gets the
// outcome once the record is on disk.
type intent struct {
	line int
	done chan error
}

// recorder is the one goroutine that owns the report, the journal, the counters and the
// progress display; the other stages send it results and intents over channels. It knows
// nothing of the engine: it is told where to write, and calls stop when it must end the run.
type recorder struct {
	log         *zap.Logger
	out         report.Writer
	journal     *journal // nil in a dry run and for a report on stdout
	fingerprint string
	tally       *report.Tally
	progress    report.Progress
	maxErrors   int
	stop        func(error)
	// failures counts rows that fail the run; serverFailures those authentik refused or
	// that failed in transport, which --max-errors counts (invalid rows never reach it).
	failures       int
	serverFailures int
}

// loop writes every result until results is closed, and journals intents meanwhile. After
// a write error it keeps draining (so no sender blocks) and stops the run.
func (w *recorder) loop(results <-chan rowResult, intents <-chan intent) error {
	var writeErr error
	fail := func(err error) {
		if writeErr == nil {
			writeErr = err
			w.stop(err)
		}
	}
	for results != nil {
		select {
		case in := <-intents:
			w.journalIntents(in, intents, fail)
		case r, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			if writeErr == nil {
				w.record(r, fail)
			}
		}
	}
	w.progress.Done()
	if err := w.out.Close(); err != nil {
		fail(err)
	}
	if w.journal != nil {
		open, err := w.journal.finish()
		if err != nil {
			fail(err)
		} else if open > 0 {
			w.log.Info("journal kept: some rows may have been created without an answer; --resume looks them up before creating",
				zap.String("path", w.journal.path), zap.Int("rows", open))
		}
	}
	return writeErr
}

// journalIntents writes first and every intent already waiting together, with one sync.
func (w *recorder) journalIntents(first intent, more <-chan intent, fail func(error)) {
	batch := []intent{first}
collect:
	for len(batch) < 256 {
		select {
		case in := <-more:
			batch = append(batch, in)
		default:
			break collect
		}
	}
	var err error
	if w.journal != nil {
		lines := make([]int, len(batch))
		for i, in := range batch {
			lines[i] = in.line
		}
		if err = w.journal.intend(lines); err != nil {
			fail(err)
		}
	}
	for _, in := range batch {
		in.done <- err
	}
}

func (w *recorder) record(r rowResult, fail func(error)) {
	res := r.res
	if res.Input == "" {
		res.Input = w.fingerprint
	}
	journaled := w.journal != nil && !r.carried && res.Line > 0
	if journaled && r.uncertain {
		// Before the outcome: a crash between the two must leave the record open.
		if err := w.journal.unsure(res.Line); err != nil {
			fail(err)
			return
		}
	}
	if err := w.out.Write(res); err != nil {
		fail(err)
		return
	}
	if r.carried {
		w.tally.AddCarried(res)
		return
	}
	if journaled && !r.uncertain {
		w.journal.settle(res.Line)
	}
	w.tally.Add(res)
	w.logRow(res)
	if res.Failed() {
		w.failures++
		if res.Status != report.StatusInvalid {
			w.serverFailures++
			if w.maxErrors > 0 && w.serverFailures >= w.maxErrors {
				w.stop(ErrMaxErrors)
			}
		}
	}
	w.progress.Update(w.tally.Snapshot())
}

func (w *recorder) logRow(res report.Result) {
	switch res.Status {
	case report.StatusRejected, report.StatusFailed:
		w.log.Warn("row not imported", zap.Int("line", res.Line), zap.String("username", res.Username),
			zap.String("status", string(res.Status)), zap.String("error", res.Error))
	case report.StatusInvalid:
		w.log.Debug("row invalid", zap.Int("line", res.Line), zap.String("username", res.Username), zap.String("error", res.Error))
	}
}
