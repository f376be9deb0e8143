package importer

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// importRows runs the pipeline: one producer reads, maps and validates rows and sends the
// valid ones to cfg.Concurrency workers; invalid rows and dry-run plans go straight to the
// results. It returns when every row taken has been reported, or the run was stopped.
func (r *run) importRows(reader *mapping.Reader, results chan<- report.Result) error {
	jobs := make(chan mapping.Row, r.cfg.Concurrency)
	g := new(errgroup.Group)
	g.Go(func() error {
		defer close(jobs)
		return r.produce(reader, jobs, results)
	})
	for range r.cfg.Concurrency {
		g.Go(func() error {
			r.work(jobs, results)
			return nil
		})
	}
	return g.Wait()
}

// produce reads every row; it closes jobs (its output) when done or stopped.
func (r *run) produce(reader *mapping.Reader, jobs chan<- mapping.Row, results chan<- report.Result) error {
	seen := mapping.NewSeen()
	offlinePlan := r.cfg.DryRun && r.client == nil
	for r.stopCtx.Err() == nil {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			r.readAll.Store(true)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s stopped: %w", displayName(r.cfg.Input), err)
		}
		r.rowsRead.Add(1)
		if err := seen.Check(&row); err != nil {
			return err
		}
		if row.Password != "" && !r.cfg.DryRun {
			r.passwordOnce.Do(r.warnPasswords)
		}
		if r.resumed != nil && r.resumed.has(row.Line) {
			continue // carried over from the earlier report
		}
		if row.Valid() && len(row.GroupNames) > 0 {
			r.resolveGroups(&row)
		}
		// Results are sent without watching the context: the writer drains the channel
		// until it is closed, so a send never blocks for good, and no finished row is lost.
		switch {
		case !row.Valid():
			results <- r.invalid(row)
		case offlinePlan:
			results <- r.planned(row, "create")
		default:
			select {
			case jobs <- row:
			case <-r.stopCtx.Done():
				return nil
			}
		}
	}
	return nil
}

// work takes rows until jobs is closed or the run is stopped. A row taken after the stop is
// left alone: it was never sent, so it stays out of the report and --resume picks it up.
func (r *run) work(jobs <-chan mapping.Row, results chan<- report.Result) {
	for {
		select {
		case <-r.stopCtx.Done():
			return
		case row, ok := <-jobs:
			if !ok || r.stopCtx.Err() != nil {
				return
			}
			if res, sent := r.process(row); sent {
				results <- res
			}
		}
	}
}
