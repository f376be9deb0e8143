package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/report"
)

// openReport creates the run's report. A report already at the path is never destroyed: it
// is moved aside first (report.MoveAside) and the log says where. The format is
// --report-format, else the path's extension (CSV for "-"). A dry run's report is buffered:
// nothing is sent, so there is nothing to resume after a crash.
//
// The report's journal goes with it (REPORT.prev-….journal), so that the copy can still be
// resumed exactly.
func openReport(cfg *Config) (report.Writer, error) {
	moved, err := report.MoveAside(cfg.ReportPath, time.Now())
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	if moved != "" {
		cfg.Logger.Info("earlier report kept", zap.String("path", moved))
		if err := os.Rename(journalPath(cfg.ReportPath), journalPath(moved)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, &UsageError{Err: fmt.Errorf("cannot move the earlier report's journal aside: %w", err)}
		}
	}
	format := cfg.ReportFormat
	if format == "" {
		format = report.FormatFromPath(cfg.ReportPath)
	}
	create := report.Create
	if cfg.DryRun {
		create = report.CreateBuffered
	}
	out, err := create(cfg.ReportPath, format, cfg.Stdout)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	return out, nil
}

// newRecorder opens the report (and, for a real run writing a file, its journal) and
// sets up the counters and the progress display.
func newRecorder(cfg *Config, in *input, pace *pacer, position func() report.InputPosition, resume *resumePlan) (*recorder, error) {
	progress, err := report.NewProgress(report.ProgressConfig{
		Out: cfg.Stderr, Mode: report.ProgressMode(cfg.Progress), IsTerminal: cfg.IsTerminal,
		Interval: cfg.ProgressInterval, Logger: cfg.Logger, Position: position, Concurrency: pace.concurrencyNow,
	})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	out, err := openReport(cfg)
	if err != nil {
		return nil, err
	}
	rec := &recorder{log: cfg.Logger, out: out, fingerprint: in.fingerprint, tally: report.NewTally(nil),
		progress: progress, maxErrors: cfg.MaxErrors, stop: func(err error) { pace.stop(err) }}
	if !cfg.DryRun && cfg.ReportPath != "-" && cfg.URL != "" {
		var carried []int
		if resume != nil {
			carried = resume.open
		}
		if rec.journal, err = createJournal(journalPath(cfg.ReportPath), carried); err != nil {
			out.Close()
			return nil, &UsageError{Err: err}
		}
	}
	return rec, nil
}
