package importer

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// pipeline reads rows, plans them and applies the plans: one producer reads, maps, checks
// and resolves group names; concurrency workers plan and apply; every result goes to the
// recorder.
type pipeline struct {
	pacer       *pacer
	plan        *planner // nil offline (dry run without --url)
	apply       *applier // nil in a dry run
	groups      *groupDirectory
	resumed     *lineSet // lines an earlier report records as done; nil without --resume
	concurrency int
	sendEmails  bool // --send-recovery-email: the dry run says which rows would get none
	warnOnce    func(row *mapping.Row)
	// rowsRead and readAll tell the progress display how far the reader is.
	rowsRead atomic.Int64
	readAll  atomic.Bool
}

// run returns when every row taken has been reported, or the run was stopped.
func (p *pipeline) run(reader *mapping.Reader, input string, results chan<- rowResult) error {
	jobs := make(chan mapping.Row, p.concurrency)
	g := new(errgroup.Group)
	g.Go(func() error {
		defer close(jobs)
		return p.produce(reader, input, jobs, results)
	})
	for range p.concurrency {
		g.Go(func() error {
			p.work(jobs, results)
			return nil
		})
	}
	return g.Wait()
}

// produce reads every row; it closes jobs (its output) when done or stopped.
func (p *pipeline) produce(reader *mapping.Reader, input string, jobs chan<- mapping.Row, results chan<- rowResult) error {
	seen := mapping.NewSeen()
	for !p.pacer.stopped() {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			p.readAll.Store(true)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s stopped: %w", input, err)
		}
		p.rowsRead.Add(1)
		if err := seen.Check(&row); err != nil {
			return err
		}
		if p.warnOnce != nil {
			p.warnOnce(&row)
		}
		if p.resumed != nil && p.resumed.has(row.Line) {
			continue // carried over from the earlier report
		}
		res := newResult(&row)
		if row.Valid() && len(row.GroupNames) > 0 {
			if err := p.groups.resolve(&row); errors.Is(err, errStopped) {
				return nil
			} else if err != nil {
				results <- rowResult{res: failedResult(res, err)}
				continue
			}
			res.Warnings = row.Warnings
		}
		// Results are sent without watching the context: the recorder drains the channel
		// until it is closed, so a send never blocks for good, and no finished row is lost.
		switch {
		case !row.Valid():
			res.Status, res.Error = report.StatusInvalid, row.Errors.String()
			results <- rowResult{res: res}
		case p.plan == nil:
			res.Status, res.Action = report.StatusPlanned, "create"
			res.Onboarding = plannedOnboarding(p.sendEmails, &row)
			results <- rowResult{res: res}
		default:
			select {
			case jobs <- row:
			case <-p.pacer.stopCtx.Done():
				return nil
			}
		}
	}
	return nil
}

// work takes rows until jobs is closed or the run is stopped. A row taken after the stop is
// left alone: it was never sent, so it stays out of the report and --resume picks it up.
func (p *pipeline) work(jobs <-chan mapping.Row, results chan<- rowResult) {
	for {
		select {
		case <-p.pacer.stopCtx.Done():
			return
		case row, ok := <-jobs:
			if !ok || p.pacer.stopped() {
				return
			}
			if r, sent := p.handle(&row); sent {
				results <- r
			}
		}
	}
}

// handle plans one valid row and, unless this is a dry run, applies the plan.
func (p *pipeline) handle(row *mapping.Row) (rowResult, bool) {
	if p.apply != nil {
		if res, done := p.apply.beforeCreate(row); done { // an earlier run's create to finish
			return rowResult{res: res}, true
		}
	}
	res := newResult(row)
	prov := p.plan.provenance(row.Line)
	have, known, err := p.plan.look(row, prov, &res.Attempts)
	act := action{kind: actCreate} // unknown: create first, the answer tells
	if err == nil && known {
		act, have, err = p.plan.decide(row, have, prov, &res.Attempts)
	}
	if errors.Is(err, errStopped) {
		return rowResult{}, false
	}
	if err != nil {
		return rowResult{res: failedResult(res, err), uncertain: prov == maybeOurs}, true
	}
	if p.apply == nil {
		return rowResult{res: p.predicted(row, res, act, have)}, true
	}
	return p.apply.apply(row, res, act, have, prov)
}

// predicted is the dry run's report row: what the real run would do, in its words.
func (p *pipeline) predicted(row *mapping.Row, res report.Result, act action, have *observed) report.Result {
	res.Status, res.Action = report.StatusPlanned, act.describe()
	if act.kind == actCreate {
		res.Onboarding = plannedOnboarding(p.sendEmails, row)
	}
	res.Warnings = append(res.Warnings, act.warnings...)
	res.Warnings = append(res.Warnings, p.plan.emailWarnings(row)...)
	if have != nil {
		res.PK, res.UUID, res.HTTPStatus = have.pk, have.uuid, 200
	}
	if act.kind == actConflict {
		res.Status, res.Error = report.StatusExists, errExistsFail
	}
	return res
}

// newResult starts the report row for an input row.
func newResult(row *mapping.Row) report.Result {
	return report.Result{Line: row.Line, Username: row.Username, Warnings: row.Warnings}
}
