package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/report"
)

// The statuses of an undo report, besides report.StatusDeactivated, report.StatusFailed and,
// in a dry run, report.StatusPlanned.
const (
	StatusDeleted = report.StatusDeleted
	StatusSkipped = report.StatusSkipped
)

// UndoConfig is `akimport undo REPORT`: the same URL, token, pace and report settings as an
// import.
type UndoConfig struct {
	Report string // the import report to undo
	Delete bool   // DELETE the users instead of deactivating them
	// AllowSuperusers lets undo deactivate or delete a user that is a superuser now.
	AllowSuperusers bool
	DryRun          bool // read only: say what would be done

	URL, Token  string
	Insecure    bool
	ReportPath  string // the undo's own report; default akimport-undo-report.csv
	Concurrency int
	Rate        float64
	Burst       int
	Timeout     time.Duration
	Retries     int
	StartupWait time.Duration

	Logger     *zap.Logger
	Stdout     io.Writer
	Stderr     io.Writer
	HTTPClient *http.Client
	Backoff    authentik.Backoff
	Version    string
}

// UndoDefaults are an import's defaults for the shared settings.
func UndoDefaults() UndoConfig {
	d := Defaults()
	return UndoConfig{ReportPath: "akimport-undo-report.csv", Concurrency: d.Concurrency, Rate: d.Rate,
		Burst: d.Burst, Timeout: d.Timeout, Retries: d.Retries}
}

// UndoSummary counts an undo's outcomes by status.
type UndoSummary struct {
	Counts     map[report.Status]int `json:"counts"`
	Rows       int                   `json:"rows"`
	ReportPath string                `json:"report_path"`
	DryRun     bool                  `json:"dry_run"`
}

// errUndoFailed is Undo's error when some users could not be undone; it is an
// ErrRowsFailed for ExitCode (exit 1).
type errUndoFailed struct{ n int }

func (e errUndoFailed) Error() string {
	return fmt.Sprintf("%d user(s) could not be undone: see the undo report", e.n)
}
func (e errUndoFailed) Is(target error) bool { return target == ErrRowsFailed }

// undoTarget is a user an import report records as created by that run.
type undoTarget struct {
	line     int
	username string
	pk       int
	uuid     string
}

// undoTargetOf reads one import report row: the users the run created are its `created`
// rows and the rows it created without finishing (failed or rejected with "created, …").
func undoTargetOf(res report.Result) (undoTarget, bool) {
	if res.PK <= 0 || res.UUID == "" {
		return undoTarget{}, false
	}
	if _, unfinishedRow := unfinishedCreate(res); res.Status != report.StatusCreated && !unfinishedRow {
		return undoTarget{}, false
	}
	return undoTarget{line: res.Line, username: res.Username, pk: res.PK, uuid: res.UUID}, true
}

// undoAction is what to do with one target, decided from what authentik holds at its pk.
type undoAction int

const (
	undoSkip undoAction = iota
	undoDeactivate
	undoDelete
)

// decideUndo touches a user only if the user at the pk still has the report's uuid: a pk
// that is gone, or (should authentik ever reuse it) holds another user, is skipped with why.
func decideUndo(t undoTarget, u *authentik.User, found, del bool, tokenUser string) (undoAction, string) {
	switch {
	case !found:
		return undoSkip, fmt.Sprintf("gone: no user has pk %d any more", t.pk)
	case u.UUID != t.uuid:
		return undoSkip, fmt.Sprintf("replaced: pk %d now holds another user (uuid %s, not %s)", t.pk, u.UUID, t.uuid)
	case tokenUser != "" && u.Username == tokenUser:
		return undoSkip, "this is the token's own user"
	case del:
		return undoDelete, ""
	case !u.IsActive:
		return undoSkip, "already inactive"
	}
	return undoDeactivate, ""
}

// Undo takes back an import: for each user its report records as created, it deactivates
// the user (or deletes it), only if the user at that pk still has the report's uuid.
func Undo(ctx context.Context, ucfg UndoConfig) (UndoSummary, error) {
	cfg, err := ucfg.runConfig()
	if err != nil {
		return UndoSummary{}, err
	}
	pace := newPacer(&cfg)
	client, err := connect(&cfg)
	if err != nil {
		return UndoSummary{}, err
	}
	pace.probe = func(ctx context.Context) error { _, err := client.Version(ctx); return err }
	log := cfg.Logger
	// Read the report before anything is sent: a report that cannot be read is exit 2.
	var targets []undoTarget
	seen := map[int]bool{}
	if err := report.ReadFile(ucfg.Report, func(res report.Result) error {
		if t, ok := undoTargetOf(res); ok && !seen[t.pk] {
			seen[t.pk] = true
			targets = append(targets, t)
		}
		return nil
	}); err != nil {
		return UndoSummary{}, &UsageError{Err: err}
	}
	defer pace.setUpStop(ctx, cfg.DrainTimeout, nil)()
	verb := "deactivate"
	if ucfg.Delete {
		verb = "delete"
	}
	log.Info("undo", zap.String("report", ucfg.Report), zap.Int("users", len(targets)), zap.String("action", verb),
		zap.Bool("dry_run", ucfg.DryRun), zap.String("url", cfg.URL), zap.String("undo_report", cfg.ReportPath))
	server, err := learnServer(pace, client)
	if err != nil {
		return UndoSummary{}, interruptedOr(ctx, &FatalError{Err: fmt.Errorf("checking the URL and token: %w", err)})
	}
	create := report.Create
	if ucfg.DryRun {
		create = report.CreateBuffered
	}
	out, err := create(cfg.ReportPath, report.FormatFromPath(cfg.ReportPath), cfg.Stdout)
	if err != nil {
		return UndoSummary{}, &UsageError{Err: fmt.Errorf("cannot write the undo report: %w", err)}
	}
	sum := UndoSummary{Counts: map[report.Status]int{}, ReportPath: cfg.ReportPath, DryRun: ucfg.DryRun}
	results := make(chan report.Result, cfg.Concurrency)
	var writeErr error
	writerDone := make(chan struct{})
	go func() { // the one owner of the report and the counts
		defer close(writerDone)
		for res := range results {
			if writeErr == nil {
				if writeErr = out.Write(res); writeErr != nil {
					pace.stop(writeErr)
				}
			}
			sum.Counts[res.Status]++
			sum.Rows++
		}
	}()
	jobs := make(chan undoTarget)
	g := new(errgroup.Group)
	g.Go(func() error {
		defer close(jobs)
		for _, t := range targets {
			select {
			case jobs <- t:
			case <-pace.stopCtx.Done():
				return nil
			}
		}
		return nil
	})
	for range cfg.Concurrency {
		g.Go(func() error {
			for t := range jobs {
				if res, ok := undoOne(pace, client, server, t, ucfg); ok {
					results <- res
				}
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines return nil: failures are rows
	close(results)
	<-writerDone
	if err := out.Close(); err != nil && writeErr == nil {
		writeErr = err
	}
	writeUndoSummary(cfg.Stderr, sum)
	switch {
	case writeErr != nil:
		return sum, fmt.Errorf("the undo report could not be written: %w", writeErr)
	case pace.fatal.Load() != nil:
		return sum, pace.fatal.Load()
	case ctx.Err() != nil:
		return sum, ErrInterrupted
	case sum.Counts[report.StatusFailed] > 0:
		return sum, errUndoFailed{sum.Counts[report.StatusFailed]}
	}
	return sum, nil
}

// runConfig checks the undo's settings and makes the Config its requests run with.
func (u UndoConfig) runConfig() (Config, error) {
	var errs []error
	if u.Report == "" {
		errs = append(errs, errors.New("no report: give the report of the import to undo"))
	}
	if u.URL == "" {
		errs = append(errs, errors.New("no authentik URL: set --url or AUTHENTIK_URL"))
	}
	if u.Token == "" {
		errs = append(errs, errors.New("no API token: set AUTHENTIK_TOKEN or --token-file"))
	}
	if u.Concurrency < 1 || u.Rate < 0 || u.Burst < 1 || u.Timeout <= 0 || u.Retries < 0 {
		errs = append(errs, errors.New("--concurrency, --burst and --timeout must be positive; --rate and --retries not negative"))
	}
	if u.ReportPath == "" {
		u.ReportPath = "akimport-undo-report.csv"
	}
	if u.ReportPath != "-" && samePath(u.Report, u.ReportPath) {
		errs = append(errs, fmt.Errorf("--report %s is the report being undone: choose another path", u.ReportPath))
	}
	if len(errs) > 0 {
		return Config{}, &UsageError{Err: errors.Join(errs...)}
	}
	cfg := Config{Input: u.Report, URL: u.URL, Token: u.Token, Insecure: u.Insecure, ReportPath: u.ReportPath,
		Concurrency: u.Concurrency, Rate: u.Rate, Burst: u.Burst, Timeout: u.Timeout, Retries: u.Retries,
		StartupWait: u.StartupWait, Logger: u.Logger, Stdout: u.Stdout, Stderr: u.Stderr,
		HTTPClient: u.HTTPClient, Backoff: u.Backoff, Version: u.Version, DryRun: u.DryRun, Progress: "never"}
	cfg.fillDependencies()
	return cfg, nil
}

// undoOne reads the user at the target's pk, decides, and (unless a dry run) acts. ok is
// false when the run stopped before anything was done for it.
func undoOne(pace *pacer, client *authentik.Client, server *serverInfo, t undoTarget, u UndoConfig) (report.Result, bool) {
	res := report.Result{Line: t.line, Username: t.username, PK: t.pk, UUID: t.uuid}
	var got *authentik.User
	err := pace.call("get user", &res.Attempts, func(ctx context.Context) error {
		var e error
		got, e = client.GetUser(ctx, t.pk)
		return e
	})
	found := err == nil
	switch {
	case errors.Is(err, errStopped):
		return res, false
	case err != nil && !authentik.IsNotFound(err):
		return failedResult(res, err), true
	}
	action, why := decideUndo(t, got, found, u.Delete, server.me)
	if action == undoSkip {
		res.Status, res.Error = StatusSkipped, why
		return res, true
	}
	if u.DryRun {
		res.Status, res.Action = report.StatusPlanned, map[undoAction]string{undoDeactivate: "deactivate", undoDelete: "delete"}[action]
		return res, true
	}
	if action == undoDelete {
		err = pace.call("delete user", &res.Attempts, func(ctx context.Context) error { return client.DeleteUser(ctx, t.pk) })
		switch {
		case err == nil:
			res.Status, res.HTTPStatus = StatusDeleted, 204
		case authentik.IsNotFound(err):
			res.Status, res.Error = StatusSkipped, "gone: deleted meanwhile"
		default:
			return failedResult(res, err), true
		}
		return res, true
	}
	err = pace.call("deactivate user", &res.Attempts, func(ctx context.Context) error {
		_, e := client.PatchUser(ctx, t.pk, map[string]any{"is_active": false})
		return e
	})
	if err != nil {
		return failedResult(res, err), true
	}
	res.Status, res.HTTPStatus = report.StatusDeactivated, 200
	return res, true
}

// writeUndoSummary prints the counts, e.g.
// "undo: 49 deactivated, 1 skipped (report akimport-undo-report.csv)".
func writeUndoSummary(w io.Writer, s UndoSummary) {
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
}
