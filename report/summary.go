package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteText writes the summary for people (on stderr): a table of the non-zero counts, time and
// speed, the invalid rows' commonest problems, where the report is and what the exit code means.
func WriteText(w io.Writer, s Summary) error {
	type tableRow struct{ label, value string }
	rows := []tableRow{{"rows", groupDigits(s.Rows)}}
	count := func(label string, n int64) {
		if n != 0 {
			rows = append(rows, tableRow{label, groupDigits(n)})
		}
	}
	for _, status := range statusOrder {
		count(string(status), s.Counts[status])
	}
	count("retries", s.Retries)
	if e := s.RecoveryEmails; e != nil {
		rows = append(rows, tableRow{"e-mails sent", groupDigits(e.Sent)})
		count("e-mails not sent", e.NotSent)
	}
	count("carried over", s.CarriedOver)
	rows = append(rows,
		tableRow{"elapsed", formatElapsed(s.ElapsedSeconds)},
		tableRow{"rows/s", strconv.FormatFloat(s.RowsPerSecond, 'f', 1, 64)})
	if c := s.Concurrency; c != nil {
		rows = append(rows, tableRow{"concurrency", fmt.Sprintf("%d (auto, seen %d-%d)", c.Limit, c.MinSeen, c.MaxSeen)})
	}

	labelWidth, valueWidth := 0, 0
	for _, r := range rows {
		labelWidth = max(labelWidth, len(r.label))
		valueWidth = max(valueWidth, len(r.value))
	}
	var b bytes.Buffer
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %*s\n", labelWidth, r.label, valueWidth, r.value)
	}
	if len(s.InvalidProblems) > 0 {
		b.WriteString("invalid rows by problem:\n")
		width := len(groupDigits(max(s.InvalidProblems[0].Rows, s.InvalidOtherProblems)))
		for _, p := range s.InvalidProblems {
			field := strings.TrimPrefix(p.Field+": ", ": ") // none for a problem of the row
			fmt.Fprintf(&b, "  %*s  %s%s\n", width, groupDigits(p.Rows), field, p.Message)
		}
		if s.InvalidOtherProblems > 0 {
			fmt.Fprintf(&b, "  %*s  other problems\n", width, groupDigits(s.InvalidOtherProblems))
		}
	}
	if s.ReportPath != "" {
		fmt.Fprintf(&b, "report: %s\n", s.ReportPath)
	}
	if s.DryRun {
		b.WriteString("dry run: nothing was changed on the server\n")
	}
	fmt.Fprintf(&b, "exit code %d%s\n", s.ExitCode, strings.TrimSuffix(": "+s.ExitMeaning, ": "))
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// WriteJSON writes the summary as indented JSON to path (--summary-json), atomically.
func WriteJSON(path string, s Summary) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// zapTime is the time layout of the CLI's JSON logs (zap's ISO8601TimeEncoder).
const zapTime = "2006-01-02T15:04:05.000Z0700"

// WriteSummaryLine writes the summary as the JSON log line zap would: level, ts, msg, then WriteJSON's fields.
func WriteSummaryLine(w io.Writer, s Summary) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	// The time has digits and -:.+TZ only: %q quotes it as JSON would.
	line := fmt.Sprintf(`{"level":"info","ts":%q,"msg":"summary",%s`, s.FinishedAt.Format(zapTime), body[1:])
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// formatElapsed shows seconds as a rounded duration: "1m2.35s", "812ms".
func formatElapsed(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// groupDigits writes n in groups of three digits, "10 000": no locale reads it as decimals.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

// writeFileAtomic replaces path with data so that a reader (node-exporter's textfile collector)
// sees the old file or the new one; what is no regular file (/dev/null, a pipe) is written to.
func writeFileAtomic(path string, data []byte) error {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		if err := os.WriteFile(path, data, 0); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	// CreateTemp makes the file 0600; the collector usually runs as another user.
	if err = errors.Join(err, tmp.Chmod(0o644), tmp.Sync(), tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort: leave no temporary file behind
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WritePrometheus writes the summary in Prometheus' text format for node-exporter's textfile
// collector (--metrics-file). Every figure is a gauge of the last run, as the collector's
// convention for batch jobs has it (a counter would restart with each run). Alert on
// `absent(akimport_last_success_timestamp_seconds) or time() - … > 86400`.
func WritePrometheus(w io.Writer, s Summary) error {
	var b bytes.Buffer
	family := func(name, help string) { fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name) }
	gauge := func(name, help string, value float64) {
		family(name, help)
		fmt.Fprintf(&b, "%s %s\n", name, strconv.FormatFloat(value, 'g', -1, 64))
	}
	family("akimport_last_run_rows", "Rows of the last run by report status.")
	for _, status := range statusOrder {
		fmt.Fprintf(&b, "akimport_last_run_rows{status=%q} %d\n", string(status), s.Counts[status])
	}
	gauge("akimport_last_run_retries", "Retried requests of the last run.", float64(s.Retries))
	gauge("akimport_last_run_carried_over_rows", "Rows of the last run's report carried over from an earlier report (--resume).", float64(s.CarriedOver))
	if e := s.RecoveryEmails; e != nil {
		family("akimport_last_run_recovery_emails", "Recovery e-mails of the last run (--send-recovery-email), sent or not.")
		fmt.Fprintf(&b, "akimport_last_run_recovery_emails{result=%q} %d\n", "sent", e.Sent)
		fmt.Fprintf(&b, "akimport_last_run_recovery_emails{result=%q} %d\n", "not_sent", e.NotSent)
	}
	gauge("akimport_duration_seconds", "Duration of the last run.", s.ElapsedSeconds)
	gauge("akimport_exit_code", "Exit code of the last run (0 ok, 1 some rows failed, 2 input, 3 fatal, 130 interrupted).", float64(s.ExitCode))
	gauge("akimport_last_run_timestamp_seconds", "Unix time the last run finished.", unixSeconds(s.FinishedAt))
	if s.ExitCode == 0 && !s.DryRun {
		gauge("akimport_last_success_timestamp_seconds", "Unix time the last run finished with every row done (absent after a failed run).", unixSeconds(s.FinishedAt))
	}
	if c := s.Concurrency; c != nil {
		gauge("akimport_concurrency_limit", "Requests in flight at most that --concurrency auto settled on in the last run.", float64(c.Limit))
		gauge("akimport_concurrency_limit_min_seen", "Lowest limit of --concurrency auto in the last run, after its first ramp-up.", float64(c.MinSeen))
		gauge("akimport_concurrency_limit_max_seen", "Highest limit of --concurrency auto in the last run, after its first ramp-up.", float64(c.MaxSeen))
		gauge("akimport_concurrency_limit_decreases", "Times --concurrency auto shrank its limit in the last run.", float64(c.Decreases))
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// WritePrometheusFile writes the metrics to path (*.prom) atomically, as the collector requires.
func WritePrometheusFile(path string, s Summary) error {
	var b bytes.Buffer
	_ = WritePrometheus(&b, s) // into memory: cannot fail
	return writeFileAtomic(path, b.Bytes())
}

// unixSeconds is t as Unix seconds with millisecond precision; the zero time is 0.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

// Tally counts the rows of one run; like the Writer, it belongs to one goroutine (no locks).
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
	Rows                      int64 // results so far
	InputRows                 int64 // results of input rows (line > 0), which progress counts against the file
	Failed                    int64 // results that count against the run (Result.Failed)
	Retries                   int64 // sum of Attempts-1 over the results
	CarriedOver               int64 // rows of an earlier run's report (--resume), in no other figure
	EmailsSent, EmailsNotSent int64 // the recovery e-mails of --send-recovery-email
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
	t.snap.Retries += int64(max(r.Attempts-1, 0))
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

// AddCarried counts a row done by an earlier run (--resume): only towards progress's input rows.
func (t *Tally) AddCarried(r Result) {
	t.snap.CarriedOver++
	if r.Line > 0 {
		t.snap.InputRows++
	}
}

// Snapshot returns the figures so far.
func (t *Tally) Snapshot() Snapshot { return t.snap }

// Summary is the end-of-run account for every Write*; the caller fills in what the tally cannot
// know: the report path, dry run and exit code.
type Summary struct {
	Counts      map[Status]int64 `json:"counts"` // every status, zeros too: the JSON's shape does not vary
	Rows        int64            `json:"rows"`
	Failed      int64            `json:"failed"`
	Retries     int64            `json:"retries"`
	CarriedOver int64            `json:"carried_over"` // done by an earlier run (--resume)
	// InvalidProblems are the ten commonest problems of the invalid rows, most first (a row counts
	// under each of its problems); InvalidOtherProblems counts those of every other kind.
	InvalidProblems      []ProblemCount  `json:"invalid_problems,omitempty"`
	InvalidOtherProblems int64           `json:"invalid_other_problems,omitempty"`
	ElapsedSeconds       float64         `json:"elapsed_seconds"`
	RowsPerSecond        float64         `json:"rows_per_second"`
	ReportPath           string          `json:"report_path"`
	DryRun               bool            `json:"dry_run"`
	ExitCode             int             `json:"exit_code"`
	ExitMeaning          string          `json:"exit_meaning"`
	StartedAt            time.Time       `json:"started_at"`
	FinishedAt           time.Time       `json:"finished_at"`
	Concurrency          *Concurrency    `json:"concurrency,omitempty"`     // --concurrency auto's only
	RecoveryEmails       *RecoveryEmails `json:"recovery_emails,omitempty"` // with --send-recovery-email only
	Plan                 string          `json:"plan,omitempty"`            // a dry run's "plan: 3 create, 1 update"
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
