package importer

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/report"
)

// resume is what --resume learned from the earlier report and its run record: the rows it
// finished (carried over, not sent again), the rows whose users it may have created unseen
// (missing from the report, or failed saying so), and the users it created without
// finishing their password, hash or e-mail.
type resume struct {
	source     string
	run        record.Run // the first run's record: its mark proves what the import created
	done       lineSet
	reported   lineSet
	mayHave    lineSet
	unfinished map[int]unfinished
	doneRows   int
	// sent is the highest line the earlier runs began to send (record.Sent): rows above it
	// were never sent, so their users are never theirs.
	sent int
	// leaversSeen are the users the earlier report mentions on a line 0 (deactivations).
	leaversSeen map[string]bool
	mu          sync.Mutex
	reached     lineSet // unfinished rows this run got to
}

// unfinished is what an earlier run left undone for a user it created.
type unfinished struct {
	user    plan.User
	todo    plan.Todo
	earlier report.Result
}

// readResume reads the earlier report and its record, and refuses a resume of another run:
// another input, server or decision flags.
func readResume(cfg Config, in *input, url string, log *zap.Logger) (*resume, error) {
	src := cfg.ResumeFrom
	run, found, err := record.ReadRun(src)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	}
	if !found {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: no run record beside it (%s): it was not written by an import that sent anything (a dry run, an older akimport, or a report moved without it), so nothing proves which users that run created. Start again without --resume (--on-existing skip leaves the users it created alone)",
			src, filepath.Base(record.RunPath(src)))}
	}
	if run.Input != in.fingerprint {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: the report was made from another input file (fingerprint %s, %s has %s); resume with the file it was made from, or start without --resume",
			src, run.Input, cfg.Input, in.fingerprint)}
	}
	var differ []string
	for _, d := range []struct{ what, then, now string }{
		{"--url", run.URL, url},
		{"--mapping (the file's fingerprint)", run.Mapping, in.mapping},
		{"the reading of the input (--format, --sheet, --delimiter, --encoding)", run.Reading, in.reading},
		{"--on-existing", run.OnExisting, string(cfg.OnExisting)},
		{"--reactivate", fmt.Sprint(run.Reactivate), fmt.Sprint(cfg.Reactivate)},
		{"--groups-mode", cmp.Or(run.GroupsMode, string(GroupsReplace)), string(cfg.GroupsMode)},
		{"--deactivate-missing", fmt.Sprint(run.DeactivateMissing), fmt.Sprint(cfg.DeactivateMissing)},
		{"--scope-path", run.ScopePath, cfg.ScopePath},
		{"--allow-superusers", fmt.Sprint(run.AllowSuperusers), fmt.Sprint(cfg.AllowSuperusers)},
	} {
		if d.then != d.now && !(d.what == "--url" && cfg.DryRun && cfg.URL == "") {
			differ = append(differ, fmt.Sprintf("%s was %q, now %q", d.what, d.then, d.now))
		}
	}
	if len(differ) > 0 {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: this is not the run that wrote it: %s. Resume with the same file, server and flags, or start without --resume",
			src, strings.Join(differ, "; "))}
	}
	r := &resume{source: src, run: run, unfinished: map[int]unfinished{}, leaversSeen: map[string]bool{}, sent: math.MaxInt}
	if sent, found, err := record.ReadSent(src); err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	} else if found {
		r.sent = sent
	}
	err = report.ReadFile(src, func(res report.Result) error {
		if res.Line <= 0 {
			r.leaversSeen[res.Username] = true
			return nil
		}
		r.reported.add(res.Line)
		if u, ok := unfinishedCreate(res); ok {
			r.unfinished[res.Line] = u
		} else if res.Done() {
			r.done.add(res.Line)
			r.doneRows++
		} else if res.Status == report.StatusFailed && strings.Contains(res.Error, execute.MayHaveCreated) {
			r.mayHave.add(res.Line)
		}
		return nil
	})
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--resume %s: %w", src, err)}
	}
	log.Info("resuming", zap.String("report", src), zap.Int("rows_done", r.doneRows), zap.Int("unfinished_creates", len(r.unfinished)),
		zap.Int("mark_pk", run.MarkPK), zap.Bool("mark_proven", run.MarkProven))
	return r, nil
}

// unfinishedAt is the earlier run's unfinished create at line, if any; nil-safe.
func (r *resume) unfinishedAt(line int) (unfinished, bool) {
	if r == nil {
		return unfinished{}, false
	}
	u, ok := r.unfinished[line]
	return u, ok
}

// mayBeOurs: an earlier run may have created the row's user without reporting it.
func (r *resume) mayBeOurs(line int) bool {
	return (!r.reported.has(line) && line <= r.sent) || r.mayHave.has(line)
}

// unfinishedCreate reads a row of an earlier report: whether that run created the user (pk
// and uuid known) and left its password, hash or recovery e-mail undone, and which. An
// e-mail that may have been sent is never sent again.
func unfinishedCreate(res report.Result) (unfinished, bool) {
	if res.PK <= 0 || res.UUID == "" {
		return unfinished{}, false
	}
	u := unfinished{user: plan.User{PK: res.PK, UUID: res.UUID, Username: res.Username}, earlier: res}
	switch {
	case res.Status == report.StatusFailed && strings.HasPrefix(res.Error, execute.ErrPasswordNotSet):
		u.todo = plan.SetPassword | plan.SendEmail
	case (res.Status == report.StatusFailed || res.Status == report.StatusRejected) &&
		(strings.HasPrefix(res.Error, execute.ErrHashNotSet) || strings.HasPrefix(res.Error, execute.ErrHashRefused)):
		u.todo = plan.SetHash | plan.SendEmail
	case res.Status == report.StatusCreated && res.OnboardingFailed():
		u.todo = plan.SendEmail
	default:
		return unfinished{}, false
	}
	if res.Onboarding == report.OnboardingSent || strings.HasPrefix(res.Onboarding, execute.EmailUnknown) {
		u.todo &^= plan.SendEmail
	}
	return u, true
}

// carryOver copies the rows the earlier report (now at from) records as done.
func (r *resume) carryOver(from string, out chan<- record.Entry) error {
	err := report.ReadFile(from, func(res report.Result) error {
		// A leaver left alone stays so; one that failed is planned again.
		if (res.Line <= 0 && (res.Done() || res.Status == report.StatusSkipped)) || r.done.has(res.Line) {
			out <- record.Entry{Result: res, Carried: true}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--resume: reading %s again: %w", from, err)
	}
	return nil
}

func (r *resume) reach(line int) {
	r.mu.Lock()
	r.reached.add(line)
	r.mu.Unlock()
}

// leftUnreported are the users the earlier run planned to deactivate, that authentik now
// shows inactive (same uuid) and the earlier report does not mention: a killed run
// deactivated them before it could say so. They are reported, not deactivated again.
func (r *resume) leftUnreported(snap *plan.Snapshot) []record.Entry {
	var out []record.Entry
	for _, l := range r.run.Leavers {
		if u := snap.Get(l.Username); u != nil && u.UUID == l.UUID && !u.Active && !r.leaversSeen[l.Username] {
			out = append(out, record.Entry{Result: report.Result{Username: l.Username, PK: l.PK, UUID: l.UUID, Status: report.StatusDeactivated,
				HTTPStatus: 200, Warnings: []string{"deactivated by the earlier run, which stopped before it could report it"}}, Label: "deactivate"})
		}
	}
	return out
}

// carryUnreached writes again the unfinished rows this run did not get to, so the next
// --resume still finishes them.
func (r *resume) carryUnreached(out chan<- record.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for line, u := range r.unfinished {
		if !r.reached.has(line) {
			out <- record.Entry{Result: u.earlier, Carried: true}
		}
	}
}

func samePath(a, b string) bool {
	if a == "-" || b == "-" {
		return false
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	ca, _ := filepath.Abs(a)
	cb, _ := filepath.Abs(b)
	return ca == cb
}

// lineSet is a compact set of line numbers (a bitmap: 1M lines cost 125 KiB).
type lineSet struct{ bits []uint64 }

func (s *lineSet) add(line int) {
	i := line / 64
	for len(s.bits) <= i {
		s.bits = append(s.bits, 0)
	}
	s.bits[i] |= 1 << (uint(line) % 64)
}

func (s *lineSet) has(line int) bool {
	i := line / 64
	return line >= 0 && i < len(s.bits) && s.bits[i]&(1<<(uint(line)%64)) != 0
}
