package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// rows is the input's rows as a source of steps: one producer reads, checks and resolves
// group names; workers learn each row's user, ask plan.Decide for its step and hand it to
// the executor; every outcome goes to the recorder.
type rows struct {
	st     *execute.State
	exec   execute.Executor
	reads  *execute.Reads // nil offline
	snap   *plan.Snapshot // nil: rows are looked up one by one
	policy plan.Policy
	order  *plan.RequestOrder
	groups *groups
	resume *resume // nil without --resume
	sent   *record.Sent
	server execute.Server
	dryRun bool
	emails bool // --send-recovery-email
	// secret is called for each row, to warn once that secrets are sent.
	secret      func(*mapping.Row)
	concurrency int
	read        atomic.Int64 // rows read, for progress
	readAll     atomic.Bool
	unclear     atomic.Bool // a row failed saying its user may have been created
}

// run returns once every row taken has been reported, or the run was stopped.
func (s *rows) run(reader *mapping.Reader, input string, out chan<- record.Entry) error {
	jobs := make(chan mapping.Row, s.concurrency)
	g := new(errgroup.Group)
	g.Go(func() error {
		defer close(jobs)
		return s.produce(reader, input, jobs, out)
	})
	for range s.concurrency {
		g.Go(func() error {
			for {
				select {
				case <-s.st.StopCtx.Done():
					return nil
				case row, ok := <-jobs:
					if !ok || s.st.Stopped() {
						return nil
					}
					if e, sent := s.handle(&row); sent {
						out <- e
					}
				}
			}
		})
	}
	return g.Wait()
}

// produce reads every row and closes nothing but jobs. Results are sent without watching
// the stop: the recorder drains until the end, and no finished row may be lost.
func (s *rows) produce(reader *mapping.Reader, input string, jobs chan<- mapping.Row, out chan<- record.Entry) error {
	seen := mapping.NewSeen()
	for !s.st.Stopped() {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			s.readAll.Store(true)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s stopped: %w", input, err)
		}
		s.read.Add(1)
		if err := seen.Check(&row); err != nil {
			return err
		}
		s.secret(&row)
		if s.resume != nil && s.resume.done.has(row.Line) {
			continue // carried over from the earlier report
		}
		_, unfinished := s.resume.unfinishedAt(row.Line) // its user exists: no group is read for it
		if row.Valid() && !unfinished && (len(row.GroupNames) > 0 || len(row.Request.Groups) > 0) {
			if err := s.groups.resolve(&row); errors.Is(err, execute.ErrStopped) {
				return nil
			} else if err != nil {
				s.emit(out, record.Entry{Result: s.failedRow(&row, err)})
				continue
			}
		}
		if row.Valid() && row.PasswordHash != "" && s.reads != nil && !s.server.HashesSupported() {
			addError(&row, "password_hash", s.server.HashVersionMessage())
		}
		if !row.Valid() {
			s.emit(out, record.Entry{Result: invalid(&row)})
			continue
		}
		select {
		case jobs <- row:
		case <-s.st.StopCtx.Done():
			return nil
		}
	}
	return nil
}

// emit reports a row the producer settles itself; a resume then has its line accounted for.
func (s *rows) emit(out chan<- record.Entry, e record.Entry) {
	if s.resume != nil {
		s.resume.reach(e.Line)
	}
	out <- e
}

// failedRow is a row given up on before any write; a resumed row keeps saying that an
// earlier run may have created its user, so the next resume still looks.
func (s *rows) failedRow(row *mapping.Row, err error) report.Result {
	res := newResult(row)
	res.Status, res.Error = report.StatusFailed, err.Error()
	if s.resume != nil && s.resume.mayBeOurs(row.Line) {
		res.Error += " (" + execute.MayHaveCreated + " by an earlier run; --resume checks again)"
		s.unclear.Store(true)
	}
	return res
}

// handle decides one valid row and has the executor carry the step out. sent is false when
// the run stopped first: the row stays out of the report, and --resume picks it up.
func (s *rows) handle(row *mapping.Row) (record.Entry, bool) {
	if err := s.sent.Reach(row.Line); err != nil {
		s.st.Fail(err)
		return record.Entry{}, false
	}
	res := newResult(row)
	step, err := s.decide(row, &res.Attempts)
	if errors.Is(err, execute.ErrStopped) {
		return record.Entry{}, false
	}
	if err != nil {
		return record.Entry{Result: s.failedRow(row, err)}, true
	}
	if step.Kind == plan.Finish {
		s.resume.reach(row.Line)
		res = s.resume.unfinished[row.Line].earlier
		res.Attempts = 0
	}
	out, kind, sent := s.exec.Do(step, res)
	if strings.Contains(out.Error, execute.MayHaveCreated) {
		s.unclear.Store(true)
	}
	return record.Entry{Result: out, Label: kind.Label()}, sent
}

// decide learns the user authentik has for the row and asks the plan for its step.
func (s *rows) decide(row *mapping.Row, attempts *int) (plan.Step, error) {
	mayBeOurs := false
	if s.resume != nil {
		if u, ok := s.resume.unfinishedAt(row.Line); ok {
			todo := u.todo
			if !s.emails {
				todo &^= plan.SendEmail // this run was not asked to send e-mails
			}
			return plan.Step{Kind: plan.Finish, Row: row, User: &u.user, Todo: todo}, nil
		}
		mayBeOurs = s.resume.mayBeOurs(row.Line)
	}
	have, known, err := s.look(row, mayBeOurs, attempts)
	if err != nil {
		return plan.Step{}, err
	}
	if !known {
		return plan.Step{Kind: plan.Create, Row: row, Todo: plan.AfterCreate, Blind: true, MayBeOurs: mayBeOurs}, nil
	}
	step := plan.Decide(row, have, mayBeOurs, s.policy)
	if step.Kind == plan.Fetch {
		full, err := s.reads.Fetch(have.PK, attempts)
		if err != nil {
			return plan.Step{}, err
		}
		have = nil
		if full != nil {
			have = plan.Observe(full, s.reads.Scope)
		}
		step = plan.Decide(row, have, mayBeOurs, s.policy)
	}
	step.MayBeOurs = mayBeOurs
	if step.Kind == plan.Adopt {
		// A run that stopped before reporting this row may have sent the e-mail already.
		step.Todo &^= plan.SendEmail
	}
	return step, nil
}

// look finds the row's user without writing. known is false when it did not look: creating
// first is cheaper, and the create's answer tells (only where nothing needs proving first).
func (s *rows) look(row *mapping.Row, mayBeOurs bool, attempts *int) (have *plan.User, known bool, err error) {
	if s.reads == nil {
		return nil, true, nil // offline: nothing can be known
	}
	if s.snap != nil {
		// A snapshot of every user, read after any earlier run ended, knows who exists; one
		// of a scope does not know the users outside it.
		if have = s.snap.Get(row.Username); have != nil || s.snap.Scope == "" {
			return have, true, nil
		}
	}
	secrets := row.Password != "" || row.PasswordHash != "" || s.server.StagePK != ""
	if !s.dryRun && !mayBeOurs && !s.order.LookupFirst() && (s.policy.Mark.Proven || !secrets) {
		return nil, false, nil
	}
	have, err = s.reads.Lookup(row.Username, attempts)
	if err == nil && s.snap == nil {
		s.order.Observe(have != nil)
	}
	return have, err == nil, err
}

// invalid is the report row of a row refused before sending, with its problems for the
// summary's breakdown.
func invalid(row *mapping.Row) report.Result {
	res := newResult(row)
	res.Status, res.Error = report.StatusInvalid, row.ErrorText()
	for field, msgs := range row.Errors {
		for _, m := range msgs {
			res.Problems = append(res.Problems, report.Problem{Field: field, Message: m})
		}
	}
	return res
}

func newResult(row *mapping.Row) report.Result {
	return report.Result{Line: row.Line, Username: row.Username, Warnings: row.Warnings}
}

// groups resolves group names to UUIDs (F-L4), reading every group once, on first need.
type groups struct {
	reads  *execute.Reads // nil offline
	mu     sync.Mutex
	byName map[string]string
	byID   map[string]string
	err    error
}

func (d *groups) load() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byName == nil && d.err == nil {
		byName, err := d.reads.Groups()
		switch {
		case errors.Is(err, execute.ErrStopped):
			return err
		case err != nil:
			d.err = fmt.Errorf("the groups could not be read from authentik (--resume tries again): %w", err)
		default:
			d.byName, d.byID = byName, map[string]string{}
			for name, id := range byName {
				d.byID[strings.ToLower(id)] = name
			}
		}
	}
	return d.err
}

// resolve checks that the row's group UUIDs exist and turns its group names into UUIDs; an
// unknown one makes the row invalid, in authentik's words where it has some (F-U8). It
// fails (the row fails) when the groups cannot be read at all.
func (d *groups) resolve(row *mapping.Row) error {
	if d.reads == nil {
		row.Warnings = append(row.Warnings, "groups not checked without --url")
		return nil
	}
	if err := d.load(); err != nil {
		return err
	}
	for _, id := range row.Request.Groups {
		if _, ok := d.byID[strings.ToLower(id)]; !ok {
			addError(row, "groups", fmt.Sprintf("Invalid pk \"%s\" - object does not exist.", id))
		}
	}
	for _, name := range row.GroupNames {
		if uuid, ok := d.byName[name]; ok {
			row.Request.Groups = append(row.Request.Groups, uuid)
		} else {
			addError(row, "groups", fmt.Sprintf("Group %q does not exist in authentik.", name))
		}
	}
	return nil
}

// name is a group's name by UUID, for the dry run's words ("" when unknown).
func (d *groups) name(uuid string) string {
	if d.reads == nil || d.load() != nil {
		return ""
	}
	return d.byID[uuid]
}

func addError(row *mapping.Row, field, msg string) {
	if row.Errors == nil {
		row.Errors = authentik.FieldErrors{}
	}
	row.Errors.Add(field, msg)
}
