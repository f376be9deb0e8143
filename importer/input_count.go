package importer

import (
	"context"
	"os"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// rowCount is the number of rows in the input, counted by a first pass beside the run, so
// progress shows a true percentage and ETA from the start, not an estimate.
type rowCount struct {
	n       atomic.Int64
	counted atomic.Bool
}

// countRows counts the input's rows in the background when the input is a regular file
// and there is a progress display to show them (stdin can be read only once). The returned
// function stops the count if it still runs and waits for it.
func (in *input) countRows(ctx context.Context, cfg *Config) (stop func()) {
	if cfg.Input == "-" || report.ProgressMode(cfg.Progress) == report.ProgressNever {
		return func() {}
	}
	if st, err := os.Stat(cfg.Input); err != nil || !st.Mode().IsRegular() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.Open(cfg.Input)
		if err != nil {
			return // the run reads the same file and says what is wrong
		}
		defer f.Close()
		started := time.Now()
		n, err := mapping.CountRows(ctx, f, mapping.Options{Format: in.format, Delimiter: cfg.Delimiter, Encoding: cfg.Encoding, Sheet: cfg.Sheet})
		if err != nil {
			return // no total: progress shows counts and rate without a percentage
		}
		in.rows.n.Store(n)
		in.rows.counted.Store(true)
		cfg.Logger.Debug("input rows counted", zap.Int64("rows", n), zap.Duration("took", time.Since(started)))
	}()
	return func() {
		cancel()
		<-done
	}
}

// position is how far the reader is, for progress.
func (in *input) position(rowsRead int64, finished bool) report.InputPosition {
	return report.InputPosition{
		RowsRead:  rowsRead,
		BytesRead: in.counter.n.Load(),
		Rows:      in.rows.n.Load(),
		Counted:   in.rows.counted.Load(),
		Finished:  finished,
	}
}
