package report

import "time"

// Tally counts the rows of one run. Like the Writer, it belongs to the one goroutine that
// owns the report, so it takes no locks.
type Tally struct {
	now     func() time.Time
	started time.Time
	snap    Snapshot
}

// Snapshot is the tally's figures at one moment, as the progress display sees them. It is a
// plain value: copying it is cheap and needs no locks.
type Snapshot struct {
	Rows int64 // results so far
	// InputRows are the results of input rows (line > 0), which progress counts against
	// the rows in the file; the deactivations (line 0) come on top.
	InputRows int64
	Failed    int64 // results that count against the run (Result.Failed)
	Retries   int64 // sum of Attempts-1 over the results
	// CarriedOver counts rows copied from the report an earlier run wrote (--resume); they
	// are in no other figure, so the counts and rows/s describe this run.
	CarriedOver int64
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
	return &Tally{now: now, started: now()}
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
}

// AddCarried counts a row carried over from an earlier run's report: done then, so it is in
// no figure of this run but the rows of the input that are accounted for (progress).
func (t *Tally) AddCarried(r Result) {
	t.snap.CarriedOver++
	if r.Line > 0 {
		t.snap.InputRows++
	}
}

// Snapshot returns the figures so far.
func (t *Tally) Snapshot() Snapshot { return t.snap }

// Summary is the end-of-run account, for people (WriteText), machines (WriteJSON) and
// Prometheus (WritePrometheus). Tally.Summary fills the figures; the caller fills in the
// report path, dry run and exit code, which the tally cannot know.
type Summary struct {
	// Counts has every status, zero counts included, so the JSON's shape does not vary.
	Counts  map[Status]int64 `json:"counts"`
	Rows    int64            `json:"rows"`
	Failed  int64            `json:"failed"`
	Retries int64            `json:"retries"`
	// CarriedOver counts the rows --resume copied from the earlier report: done then, not now.
	CarriedOver    int64     `json:"carried_over"`
	ElapsedSeconds float64   `json:"elapsed_seconds"`
	RowsPerSecond  float64   `json:"rows_per_second"`
	ReportPath     string    `json:"report_path"`
	DryRun         bool      `json:"dry_run"`
	ExitCode       int       `json:"exit_code"`
	ExitMeaning    string    `json:"exit_meaning"`
	StartedAt      time.Time `json:"started_at"`
	FinishedAt     time.Time `json:"finished_at"`
	// Concurrency is what --concurrency auto settled on; nil with a fixed --concurrency.
	Concurrency *Concurrency `json:"concurrency,omitempty"`
	// RecoveryEmails counts the e-mails of --send-recovery-email; nil when none was asked for.
	RecoveryEmails *RecoveryEmails `json:"recovery_emails,omitempty"`
}

// RecoveryEmails are the recovery e-mails of a run: sent, and asked for but not sent (the
// report's onboarding cell says why).
type RecoveryEmails struct {
	Sent    int64 `json:"sent"`
	NotSent int64 `json:"not_sent"`
}

// Concurrency is the limit on requests in flight that --concurrency auto found.
type Concurrency struct {
	Mode  string `json:"mode"`  // "auto"
	Limit int    `json:"limit"` // at the end of the run: what it settled on
	// MinSeen and MaxSeen are the range it moved in once its first ramp-up ended.
	MinSeen        int `json:"min_seen"`
	MaxSeen        int `json:"max_seen"`
	MaxConcurrency int `json:"max_concurrency"` // --max-concurrency, its bound
	Decreases      int `json:"decreases"`       // times it shrank: rising latency or overload answers
}

// Summary returns the figures with the run ending now. Call it once, at the end, and hand the
// same value to every summary writer so they agree.
func (t *Tally) Summary() Summary {
	finished := t.now()
	elapsed := finished.Sub(t.started).Seconds()
	s := Summary{
		Counts:         make(map[Status]int64, len(statusOrder)),
		Rows:           t.snap.Rows,
		Failed:         t.snap.Failed,
		Retries:        t.snap.Retries,
		CarriedOver:    t.snap.CarriedOver,
		ElapsedSeconds: elapsed,
		StartedAt:      t.started,
		FinishedAt:     finished,
	}
	for i, status := range statusOrder {
		s.Counts[status] = t.snap.counts[i]
	}
	if elapsed > 0 {
		s.RowsPerSecond = float64(s.Rows) / elapsed
	}
	if t.snap.EmailsSent+t.snap.EmailsNotSent > 0 {
		s.RecoveryEmails = &RecoveryEmails{Sent: t.snap.EmailsSent, NotSent: t.snap.EmailsNotSent}
	}
	return s
}
