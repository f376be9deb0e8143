package report

import (
	"cmp"
	"slices"
	"time"
)

// Tally counts the rows of one run. Like the Writer, it belongs to the one goroutine that
// owns the report, so it takes no locks.
type Tally struct {
	now      func() time.Time
	started  time.Time
	snap     Snapshot
	problems map[Problem]int64 // invalid rows by problem, at most maxProblemKinds keys
	other    int64             // problems of the kinds beyond those
}

const (
	maxProblemKinds = 1000 // bounds the breakdown's memory whatever the messages
	topProblems     = 10   // kinds of problem the summary lists
)

// Snapshot is the tally's figures at one moment, for the progress display: cheap to copy.
type Snapshot struct {
	Rows        int64 // results so far
	InputRows   int64 // results of input rows (line > 0), which progress counts against the file
	Failed      int64 // results that count against the run (Result.Failed)
	Retries     int64 // sum of Attempts-1 over the results
	CarriedOver int64 // rows of an earlier run's report (--resume), in no other figure
	// EmailsSent and EmailsNotSent count the recovery e-mails of --send-recovery-email.
	EmailsSent, EmailsNotSent int64
	counts                    [len(statusOrder)]int64
}

// Count returns the number of results with status s.
func (s Snapshot) Count(status Status) int64 {
	if i := statusIndex(status); i >= 0 {
		return s.counts[i]
	}
	return 0
}

// NewTally starts counting now. now is the clock (nil means time.Now); tests pass a fake.
func NewTally(now func() time.Time) *Tally {
	if now == nil {
		now = time.Now
	}
	return &Tally{now: now, started: now(), problems: map[Problem]int64{}}
}

// Add counts one result.
func (t *Tally) Add(r Result) {
	t.snap.Rows++
	if r.Line > 0 {
		t.snap.InputRows++
	}
	if i := statusIndex(r.Status); i >= 0 {
		t.snap.counts[i]++
	}
	if r.Failed() {
		t.snap.Failed++
	}
	if r.Attempts > 1 {
		t.snap.Retries += int64(r.Attempts - 1)
	}
	switch {
	case r.Onboarding == OnboardingSent:
		t.snap.EmailsSent++
	case r.OnboardingFailed():
		t.snap.EmailsNotSent++
	}
	if r.Status != StatusInvalid {
		return
	}
	for _, p := range r.Problems {
		if _, ok := t.problems[p]; ok || len(t.problems) < maxProblemKinds {
			t.problems[p]++
		} else {
			t.other++
		}
	}
}

// AddCarried counts a row carried over from an earlier run's report: done then, so it only
// counts towards the input rows accounted for (progress).
func (t *Tally) AddCarried(r Result) {
	t.snap.CarriedOver++
	if r.Line > 0 {
		t.snap.InputRows++
	}
}

// Snapshot returns the figures so far.
func (t *Tally) Snapshot() Snapshot { return t.snap }

// Summary is the end-of-run account, for people (WriteText), machines (WriteJSON,
// WriteSummaryLine) and Prometheus (WritePrometheus). The caller fills in what the tally
// cannot know: the report path, dry run and exit code.
type Summary struct {
	// Counts has every status, zero counts included, so the JSON's shape does not vary.
	Counts      map[Status]int64 `json:"counts"`
	Rows        int64            `json:"rows"`
	Failed      int64            `json:"failed"`
	Retries     int64            `json:"retries"`
	CarriedOver int64            `json:"carried_over"` // done by an earlier run (--resume)
	// InvalidProblems are the commonest problems of the invalid rows, most rows first (ten
	// at most; a row with several problems counts under each); InvalidOtherProblems counts
	// the problems of every other kind.
	InvalidProblems      []ProblemCount `json:"invalid_problems,omitempty"`
	InvalidOtherProblems int64          `json:"invalid_other_problems,omitempty"`
	ElapsedSeconds       float64        `json:"elapsed_seconds"`
	RowsPerSecond        float64        `json:"rows_per_second"`
	ReportPath           string         `json:"report_path"`
	DryRun               bool           `json:"dry_run"`
	ExitCode             int            `json:"exit_code"`
	ExitMeaning          string         `json:"exit_meaning"`
	StartedAt            time.Time      `json:"started_at"`
	FinishedAt           time.Time      `json:"finished_at"`
	// Concurrency is what --concurrency auto settled on; nil with a fixed --concurrency.
	Concurrency *Concurrency `json:"concurrency,omitempty"`
	// RecoveryEmails counts the e-mails of --send-recovery-email; nil when none was asked for.
	RecoveryEmails *RecoveryEmails `json:"recovery_emails,omitempty"`
	// Plan is a dry run's plan line ("plan: 3 create, 1 update").
	Plan string `json:"plan,omitempty"`
}

// ProblemCount is how many invalid rows have one problem.
type ProblemCount struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Rows    int64  `json:"rows"`
}

// RecoveryEmails are a run's recovery e-mails, sent and not (the onboarding cell says why).
type RecoveryEmails struct {
	Sent    int64 `json:"sent"`
	NotSent int64 `json:"not_sent"`
}

// Concurrency is the limit on requests in flight that --concurrency auto found.
type Concurrency struct {
	Mode           string `json:"mode"`     // "auto"
	Limit          int    `json:"limit"`    // what it settled on at the end
	MinSeen        int    `json:"min_seen"` // the range it moved in after its first ramp-up
	MaxSeen        int    `json:"max_seen"`
	MaxConcurrency int    `json:"max_concurrency"` // --max-concurrency, its bound
	Decreases      int    `json:"decreases"`       // times it shrank: rising latency or overload answers
}

// Summary returns the figures with the run ending now; hand the one value to every writer.
func (t *Tally) Summary() Summary {
	finished := t.now()
	elapsed := finished.Sub(t.started).Seconds()
	s := Summary{
		Counts:               make(map[Status]int64, len(statusOrder)),
		Rows:                 t.snap.Rows,
		Failed:               t.snap.Failed,
		Retries:              t.snap.Retries,
		CarriedOver:          t.snap.CarriedOver,
		InvalidOtherProblems: t.other,
		ElapsedSeconds:       elapsed,
		StartedAt:            t.started,
		FinishedAt:           finished,
	}
	for i, status := range statusOrder {
		s.Counts[status] = t.snap.counts[i]
	}
	for p, n := range t.problems {
		s.InvalidProblems = append(s.InvalidProblems, ProblemCount{p.Field, p.Message, n})
	}
	slices.SortFunc(s.InvalidProblems, func(a, b ProblemCount) int {
		return cmp.Or(cmp.Compare(b.Rows, a.Rows), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Message, b.Message))
	})
	if len(s.InvalidProblems) > topProblems {
		for _, p := range s.InvalidProblems[topProblems:] {
			s.InvalidOtherProblems += p.Rows
		}
		s.InvalidProblems = s.InvalidProblems[:topProblems]
	}
	if elapsed > 0 {
		s.RowsPerSecond = float64(s.Rows) / elapsed
	}
	if t.snap.EmailsSent+t.snap.EmailsNotSent > 0 {
		s.RecoveryEmails = &RecoveryEmails{Sent: t.snap.EmailsSent, NotSent: t.snap.EmailsNotSent}
	}
	return s
}
