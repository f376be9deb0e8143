package importer

import (
	"go.uber.org/zap"

	"github.com/akimport/akimport/report"
)

// resultWriter is the one goroutine that owns the report file, the counters and the
// progress display; every other stage sends it results over a channel.
type resultWriter struct {
	r        *run
	out      report.Writer
	tally    *report.Tally
	progress report.Progress
	// failures counts rows that fail the run; serverFailures those authentik refused or
	// that failed in transport, which --max-errors counts (invalid rows never reach it).
	failures       int
	serverFailures int
}

func newResultWriter(r *run, out report.Writer) (*resultWriter, error) {
	p, err := report.NewProgress(report.ProgressConfig{
		Out:        r.cfg.Stderr,
		Mode:       report.ProgressMode(r.cfg.Progress),
		IsTerminal: r.cfg.IsTerminal,
		Interval:   r.cfg.ProgressInterval,
		Logger:     r.log,
		Position: func() report.InputPosition {
			return report.InputPosition{RowsRead: r.rowsRead.Load(), BytesRead: r.in.counter.n.Load(), Size: r.in.size, Finished: r.readAll.Load()}
		},
		Concurrency: r.concurrencyNow,
	})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return &resultWriter{r: r, out: out, tally: report.NewTally(nil), progress: p}, nil
}

// loop writes every result until results is closed. After a write error it keeps draining
// (so no sender blocks) and stops the run.
func (w *resultWriter) loop(results <-chan report.Result) error {
	var writeErr error
	for res := range results {
		if writeErr != nil {
			continue
		}
		if res.Input == "" {
			res.Input = w.r.in.fingerprint
		}
		if err := w.out.Write(res); err != nil {
			writeErr = err
			w.r.stop(err)
			continue
		}
		w.tally.Add(res)
		w.logRow(res)
		if res.Failed() {
			w.failures++
			if res.Status != report.StatusInvalid {
				w.serverFailures++
				if max := w.r.cfg.MaxErrors; max > 0 && w.serverFailures >= max {
					w.r.stop(ErrMaxErrors)
				}
			}
		}
		w.progress.Update(w.tally.Snapshot())
	}
	w.progress.Done()
	if err := w.out.Close(); err != nil && writeErr == nil {
		writeErr = err
	}
	return writeErr
}

func (w *resultWriter) logRow(res report.Result) {
	switch res.Status {
	case report.StatusRejected, report.StatusFailed:
		w.r.log.Warn("row not imported", zap.Int("line", res.Line), zap.String("username", res.Username),
			zap.String("status", string(res.Status)), zap.String("error", res.Error))
	case report.StatusInvalid:
		w.r.log.Debug("row invalid", zap.Int("line", res.Line), zap.String("username", res.Username), zap.String("error", res.Error))
	}
}

// finish completes the summary with the outcome and writes it: the table on stderr, and
// the JSON and Prometheus files when asked for.
func (w *resultWriter) finish(err error) report.Summary {
	s := w.tally.Summary()
	s.ExitCode = ExitCode(err)
	s.ExitMeaning = ExitMeaning(s.ExitCode)
	s.ReportPath = w.r.cfg.ReportPath
	s.DryRun = w.r.cfg.DryRun
	s.Concurrency = w.r.concurrencySummary()
	report.WriteText(w.r.cfg.Stderr, s)
	if p := w.r.cfg.SummaryJSON; p != "" {
		if werr := report.WriteJSON(p, s); werr != nil {
			w.r.log.Error("cannot write --summary-json", zap.String("path", p), zap.Error(werr))
		}
	}
	if p := w.r.cfg.MetricsFile; p != "" {
		if werr := report.WritePrometheusFile(p, s); werr != nil {
			w.r.log.Error("cannot write --metrics-file", zap.String("path", p), zap.Error(werr))
		}
	}
	return s
}
