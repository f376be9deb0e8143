package importer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// run holds the state of one import shared by its stages. Everything that changes while
// the run goes on is either owned by one goroutine or atomic.
type run struct {
	cfg     Config
	log     *zap.Logger
	in      *input
	client  *authentik.Client // nil offline (dry run without --url)
	limiter *rate.Limiter
	backoff authentik.Backoff
	groups  *groupCache
	resumed *lineSet // lines an earlier report records as done; nil without --resume

	// stop ends the intake of rows: a signal (through the parent context), --max-errors,
	// a fatal error. In-flight requests run under reqCtx, which is cancelled only after
	// DrainTimeout once stopped, so rows in flight get their answer and are reported.
	stopCtx context.Context
	stop    context.CancelCauseFunc
	reqCtx  context.Context

	order      requestOrder
	anySuccess atomic.Bool // some request got an answer: authentik is reachable
	// giveUpsInARow counts requests that gave up on transient failures since authentik
	// last answered well (see noteGaveUp).
	giveUpsInARow atomic.Int64
	// rowsRead and readAll tell the progress display how far the reader is.
	rowsRead     atomic.Int64
	readAll      atomic.Bool
	passwordOnce sync.Once
	// server is what the preflight learned of authentik (version, token user, e-mail
	// stage), and the rows an earlier run created without finishing (migrate.go).
	server serverInfo
}

// Run imports cfg.Input into authentik (or checks it, with DryRun) and writes the report.
// The error tells the outcome (see ExitCode): nil when every row succeeded.
func Run(ctx context.Context, cfg Config) (report.Summary, error) {
	if err := cfg.Validate(); err != nil {
		return report.Summary{}, err
	}
	r := &run{cfg: cfg, log: cfg.Logger}
	r.order.disabled = cfg.createFirstOnly
	r.backoff = cfg.Backoff
	if r.backoff.Max == 0 {
		r.backoff = authentik.DefaultBackoff
	}
	limit := rate.Inf
	if cfg.Rate > 0 {
		limit = rate.Limit(cfg.Rate)
	}
	r.limiter = rate.NewLimiter(limit, cfg.Burst)
	return r.execute(ctx)
}

func (r *run) execute(ctx context.Context) (report.Summary, error) {
	cfg := &r.cfg
	in, err := openInput(cfg)
	if err != nil {
		return report.Summary{}, err
	}
	defer in.rc.Close()
	r.in = in
	if err := refuseInputAsOutput(cfg); err != nil {
		return report.Summary{}, err
	}

	var mp *mapping.Mapping
	if cfg.MappingFile != "" {
		if mp, err = mapping.LoadMapping(cfg.MappingFile); err != nil {
			return report.Summary{}, &UsageError{Err: fmt.Errorf("mapping file %s: %w", cfg.MappingFile, err)}
		}
	}
	reader, err := mapping.NewReader(in.counter, mapping.Options{Format: in.format, Mapping: mp})
	if err != nil {
		return report.Summary{}, &UsageError{Err: fmt.Errorf("%s: %w", displayName(cfg.Input), err)}
	}
	defer reader.Close() // ends its read-ahead goroutine

	if cfg.URL != "" {
		if err := r.connect(); err != nil {
			return report.Summary{}, err
		}
	}
	if cfg.Insecure {
		r.log.Warn("TLS certificate verification is off (--insecure): the token could be sent to an impostor")
	}

	// Everything below may talk to authentik: set up the stop and drain contexts.
	defer r.setUpStop(ctx)()

	r.log.Info("starting", zap.String("input", displayName(cfg.Input)), zap.String("format", string(in.format)),
		zap.String("url", cfg.URL), zap.Bool("dry_run", cfg.DryRun), zap.String("on_existing", string(cfg.OnExisting)),
		zap.Int("concurrency", cfg.Concurrency), zap.Float64("rate", cfg.Rate), zap.String("report", cfg.ReportPath))
	if !cfg.DryRun && in.size > bigImportBytes {
		// F-U14: with gravatar avatars each create may wait seconds on an outside lookup.
		r.log.Info("a big import: consider setting authentik's avatar setting to \"initials\" (System › Brands/Settings) during the run; gravatar lookups slow every create")
	}
	if r.client != nil {
		if err := r.preflight(); err != nil {
			return report.Summary{}, interruptedOr(ctx, err)
		}
		r.groups = newGroupCache(r)
	}

	var deactivation *deactivationPlan
	if cfg.DeactivateMissing {
		if deactivation, err = r.planDeactivation(mp); err != nil {
			return report.Summary{}, interruptedOr(ctx, err)
		}
	}

	var resume *resumePlan
	if cfg.ResumeFrom != "" {
		if resume, err = r.planResume(); err != nil {
			return report.Summary{}, err
		}
		r.resumed = resume.done
	}

	create := report.Create
	if cfg.DryRun {
		create = report.CreateBuffered // nothing is sent, so nothing to resume after a crash
	}
	out, err := create(cfg.ReportPath, report.FormatFromPath(cfg.ReportPath), cfg.Stdout)
	if err != nil {
		return report.Summary{}, &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	results := make(chan report.Result, 2*cfg.Concurrency)
	writer, err := newResultWriter(r, out)
	if err != nil {
		out.Close()
		return report.Summary{}, err
	}
	writerDone := make(chan error, 1)
	go func() { writerDone <- writer.loop(results) }()

	var runErr error
	if resume != nil {
		runErr = resume.carryOver(results)
	}
	if runErr == nil {
		runErr = r.importRows(reader, results)
	}
	if runErr == nil && deactivation != nil && r.stopCtx.Err() == nil {
		runErr = r.deactivate(deactivation, results)
	}
	close(results)
	writeErr := <-writerDone
	err = r.outcome(ctx, runErr, writeErr, writer.failures)
	return writer.finish(err), err
}

// bigImportBytes is the input size above which the avatar advice is logged (about 2 000 rows).
const bigImportBytes = 256 << 10

// warnPasswords says once per run that password cells are sent to authentik.
func (r *run) warnPasswords() {
	msg := "the file has passwords: each is sent to authentik's set_password API in the request body; it is never logged nor written to the report"
	if !strings.HasPrefix(strings.ToLower(r.cfg.URL), "https://") {
		msg += "; this URL is not https, so they travel unencrypted"
	}
	r.log.Warn(msg)
}

// refuseInputAsOutput refuses an output file that is the input file: creating the report
// truncates it, and the rows not read yet would be lost with the user's file.
func refuseInputAsOutput(cfg *Config) error {
	if cfg.Input == "-" {
		return nil
	}
	for _, out := range []struct{ flag, path string }{
		{"--report", cfg.ReportPath}, {"--summary-json", cfg.SummaryJSON}, {"--metrics-file", cfg.MetricsFile},
	} {
		if out.path != "" && out.path != "-" && samePath(cfg.Input, out.path) {
			return &UsageError{Err: fmt.Errorf("%s %s is the input file: writing it would destroy the input; choose another path", out.flag, out.path)}
		}
	}
	return nil
}

// displayName names the input in messages.
func displayName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}
