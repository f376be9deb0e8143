package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/report"
)

// The statuses of an undo report, besides deactivated, failed and (dry run) planned.
const (
	StatusDeleted = report.StatusDeleted
	StatusSkipped = report.StatusSkipped
)

// UndoConfig is `akimport undo REPORT`: an import's settings for the connection, the pace,
// the report and the logs (Config; ReportPath is the undo's own report), and what to undo.
type UndoConfig struct {
	Config
	Report string // the import report to undo
	Delete bool   // DELETE the users instead of deactivating them
}

// UndoDefaults are an import's defaults for the shared settings.
func UndoDefaults() UndoConfig {
	d := Defaults()
	d.ReportPath = "akimport-undo-report.csv"
	return UndoConfig{Config: d}
}

// UndoSummary counts an undo's outcomes by status.
type UndoSummary struct {
	Counts     map[report.Status]int `json:"counts"`
	Rows       int                   `json:"rows"`
	ReportPath string                `json:"report_path"`
	DryRun     bool                  `json:"dry_run"`
}

// errUndoFailed is Undo's error when some users could not be undone (exit 1).
type errUndoFailed struct{ n int }

func (e errUndoFailed) Error() string {
	return fmt.Sprintf("%d user(s) could not be undone: see the undo report", e.n)
}
func (e errUndoFailed) Is(target error) bool { return target == ErrRowsFailed }

// Undo takes back an import: each user its report records as created (or as maybe created,
// found again by username) is deactivated, or deleted, after a fresh read shows the same
// user, created after the import began (its run record's pk mark), not the token's own.
func Undo(ctx context.Context, u UndoConfig) (UndoSummary, error) {
	cfg, err := u.runConfig()
	if err != nil {
		return UndoSummary{}, err
	}
	log := cfg.Logger
	run, found, err := record.ReadRun(u.Report)
	if err == nil && !found {
		err = fmt.Errorf("%s has no run record beside it (%s): nothing proves which users that import created, so nothing was changed",
			u.Report, record.RunPath(u.Report))
	}
	if err != nil {
		return UndoSummary{}, &UsageError{Err: err}
	}
	jobs, err := undoJobs(u)
	if err != nil {
		return UndoSummary{}, &UsageError{Err: err}
	}
	for _, path := range []string{u.Report, cfg.ReportPath} {
		if record.Regular(path) {
			unlock, err := record.Lock(path)
			if err != nil {
				return UndoSummary{}, &UsageError{Err: err}
			}
			defer unlock()
		}
	}
	client, err := connect(cfg)
	if err != nil {
		return UndoSummary{}, err
	}
	if run.URL != baseURL(client) {
		return UndoSummary{}, &UsageError{Err: fmt.Errorf("%s was written by an import into %s, not %s: undo runs against the server the import wrote to; nothing was changed", u.Report, run.URL, baseURL(client))}
	}
	st := execute.NewState(ctx, log, baseURL(client), cfg.Retries, cfg.Concurrency, cfg.DrainTimeout, cfg.Abort)
	defer st.Close()
	pacer := execute.NewPacer(st, log, execute.Pace{Rate: cfg.Rate, Burst: cfg.Burst, Retries: cfg.Retries, Backoff: cfg.Backoff, StartupWait: cfg.StartupWait})
	log.Info("undo", zap.String("report", u.Report), zap.Int("users", len(jobs)), zap.Bool("delete", u.Delete),
		zap.Bool("dry_run", cfg.DryRun), zap.String("url", baseURL(client)), zap.String("undo_report", cfg.ReportPath))
	reads := &execute.Reads{P: pacer, Client: client}
	server, err := reads.Preflight("", false, false)
	if err != nil {
		return UndoSummary{}, beforeRows(ctx, st, err, "checking the URL and token")
	}
	mark := plan.Mark{PK: run.MarkPK, Proven: run.MarkProven}
	guard := plan.Guard{Mark: &mark, End: run.EndPK, Me: server.Me, AllowSuperusers: cfg.AllowSuperusers}
	var exec execute.Executor = &execute.Apply{Reads: reads, Server: server, Guard: guard}
	if cfg.DryRun {
		exec = &execute.Preview{Reads: reads, Guard: guard}
	}
	out, moved, err := record.Create(cfg.ReportPath, report.FormatFromPath(cfg.ReportPath), cfg.Stdout, nil, cfg.DryRun)
	if err != nil {
		return UndoSummary{}, &UsageError{Err: fmt.Errorf("cannot write the undo report: %w", err)}
	}
	if moved != "" {
		log.Info("earlier undo report kept", zap.String("path", moved))
	}
	tally := report.NewTally(nil)
	rec := &record.Recorder{Log: log, Out: out, Tally: tally, Progress: noProgress{}, Stop: st.Stop}
	entries := make(chan record.Entry, cfg.Concurrency)
	recorded := make(chan error, 1)
	go func() { recorded <- rec.Loop(entries) }()
	carryOut(st, exec, jobs, cfg.Concurrency, entries)
	close(entries)
	writeErr := <-recorded

	sum := UndoSummary{Counts: map[report.Status]int{}, ReportPath: cfg.ReportPath, DryRun: cfg.DryRun}
	for status, n := range tally.Summary().Counts {
		if n > 0 {
			sum.Counts[status], sum.Rows = int(n), sum.Rows+int(n)
		}
	}
	if cfg.LogJSON {
		log.Info("summary", zap.Any("counts", sum.Counts), zap.Int("rows", sum.Rows), zap.String("report_path", sum.ReportPath),
			zap.Bool("dry_run", sum.DryRun), zap.String("plan", plan.PlanLine(rec.Plan)))
	} else {
		writeUndoSummary(cfg.Stderr, sum, rec.Plan)
	}
	switch {
	case writeErr != nil:
		return sum, fmt.Errorf("the undo report could not be written: %w", writeErr)
	case st.Fatal() != nil:
		return sum, st.Fatal()
	case ctx.Err() != nil:
		return sum, ErrInterrupted
	case sum.Counts[report.StatusFailed] > 0:
		return sum, errUndoFailed{sum.Counts[report.StatusFailed]}
	}
	return sum, nil
}

// undoJobs reads the import report: its users created (pk and uuid known, finished or not),
// and the users whose create was unclear (found again by username at undo time).
func undoJobs(u UndoConfig) ([]job, error) {
	kind := plan.Deactivate
	if u.Delete {
		kind = plan.Delete
	}
	var jobs []job
	seen := map[string]bool{}
	err := report.ReadFile(u.Report, func(res report.Result) error {
		_, unfinishedRow := unfinishedCreate(res)
		target := plan.User{PK: res.PK, UUID: res.UUID, Username: res.Username}
		switch {
		case res.PK > 0 && res.UUID != "" && (res.Status == report.StatusCreated || unfinishedRow):
		case res.Status == report.StatusFailed && strings.Contains(res.Error, execute.MayHaveCreated) && res.Username != "":
			target = plan.User{Username: res.Username}
		default:
			return nil
		}
		if key := fmt.Sprint(target.PK, "/", target.Username); !seen[key] {
			seen[key] = true
			jobs = append(jobs, job{plan.Step{Kind: kind, User: &target, MayBeOurs: target.PK == 0},
				report.Result{Line: res.Line, Username: res.Username, PK: res.PK, UUID: res.UUID}})
		}
		return nil
	})
	return jobs, err
}

// runConfig checks the undo's settings and makes the Config its requests run with.
func (u UndoConfig) runConfig() (Config, error) {
	cfg := u.Config
	var errs []error
	if u.Report == "" {
		errs = append(errs, errors.New("no report: give the report of the import to undo"))
	}
	if cfg.URL == "" {
		errs = append(errs, errors.New("no authentik URL: set --url or AUTHENTIK_URL"))
	}
	if cfg.Token == "" {
		errs = append(errs, errors.New("no API token: set AUTHENTIK_TOKEN or --token-file"))
	}
	if cfg.Concurrency < 1 || cfg.Rate < 0 || cfg.Burst < 1 || cfg.Timeout <= 0 || cfg.Retries < 0 {
		errs = append(errs, errors.New("--concurrency, --burst and --timeout must be positive; --rate and --retries not negative"))
	}
	cfg.ReportPath = cmp.Or(cfg.ReportPath, "akimport-undo-report.csv")
	if cfg.ReportPath != "-" && samePath(u.Report, cfg.ReportPath) {
		errs = append(errs, fmt.Errorf("--report %s is the report being undone: choose another path", cfg.ReportPath))
	}
	if len(errs) > 0 {
		return Config{}, &UsageError{Err: errors.Join(errs...)}
	}
	cfg.Input, cfg.Progress = u.Report, "never"
	cfg.fillDependencies()
	return cfg, nil
}

// writeUndoSummary prints the counts, e.g.
// "undo: 50 users in the report: 49 deactivated, 1 skipped (report akimport-undo-report.csv)".
func writeUndoSummary(w io.Writer, s UndoSummary, counts map[string]int) {
	var parts []string
	for _, st := range []report.Status{report.StatusDeactivated, StatusDeleted, report.StatusPlanned, StatusSkipped, report.StatusFailed} {
		if n := s.Counts[st]; n > 0 || st == report.StatusFailed {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	prefix := "undo"
	if s.DryRun {
		prefix = "undo (dry run, nothing changed)"
	}
	fmt.Fprintf(w, "%s: %d users in the report: %s (report %s)\n", prefix, s.Rows, strings.Join(parts, ", "), s.ReportPath)
	if s.DryRun {
		fmt.Fprintln(w, plan.PlanLine(counts))
	}
}

// noProgress shows nothing: an undo is short.
type noProgress struct{}

func (noProgress) Update(report.Snapshot) {}
func (noProgress) Done()                  {}
