package importer

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// Run imports cfg.Input into authentik (or checks it, with DryRun) and writes the report.
// The error tells the outcome (see ExitCode): nil when every row succeeded.
//
// The stages, in order: open and fingerprint the input; check the URL and token; read what
// --resume needs; learn who exists (snapshot or per row); plan deactivation; then the
// pipeline (reader → planner → applier → recorder) and the deactivations.
func Run(ctx context.Context, cfg Config) (report.Summary, error) {
	if err := cfg.Validate(); err != nil {
		return report.Summary{}, err
	}
	log := cfg.Logger
	in, err := openInput(&cfg)
	if err != nil {
		return report.Summary{}, err
	}
	defer in.rc.Close()
	defer in.countRows(ctx, &cfg)()
	if err := refuseInputAsOutput(&cfg); err != nil {
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

	pace := newPacer(&cfg)
	var client *authentik.Client
	if cfg.URL != "" {
		if client, err = connect(&cfg); err != nil {
			return report.Summary{}, err
		}
	}
	if cfg.Insecure {
		log.Warn("TLS certificate verification is off (--insecure): the token could be sent to an impostor")
	}
	// Everything below may talk to authentik: set up the stop and drain contexts.
	defer pace.setUpStop(ctx, cfg.DrainTimeout, cfg.Abort)()

	log.Info("starting", zap.String("input", displayName(cfg.Input)), zap.String("format", string(in.format)),
		zap.String("url", cfg.URL), zap.Bool("dry_run", cfg.DryRun), zap.String("on_existing", string(cfg.OnExisting)),
		zap.String("lookup", string(cfg.Lookup)), zap.Int("concurrency", cfg.Concurrency), zap.Float64("rate", cfg.Rate),
		zap.String("report", cfg.ReportPath))
	if !cfg.DryRun && in.size > bigImportBytes {
		// F-U14: with gravatar avatars each create may wait seconds on an outside lookup.
		log.Info("a big import: consider setting authentik's avatar setting to \"initials\" (System › Brands/Settings) during the run; gravatar lookups slow every create")
	}
	server := &serverInfo{}
	if client != nil {
		if server, err = preflight(pace, client, &cfg); err != nil {
			return report.Summary{}, interruptedOr(ctx, err)
		}
	}

	var resume *resumePlan
	if cfg.ResumeFrom != "" {
		// Rows an earlier run created without finishing (password, hash, e-mail) are noted
		// as the report is read: they are finished without a second create (aftercreate.go).
		if resume, err = planResume(&cfg, in.fingerprint, log, server.noteUnfinished); err != nil {
			return report.Summary{}, err
		}
	}

	pipe := &pipeline{pacer: pace, concurrency: cfg.Concurrency, groups: &groupDirectory{pacer: pace, client: client},
		sendEmails: cfg.SendRecoveryEmail != ""}
	var deactivation *deactivationPlan
	if client != nil {
		pipe.plan = &planner{pacer: pace, client: client, mode: cfg.OnExisting, reactivate: cfg.Reactivate,
			dryRun: cfg.DryRun, order: &requestOrder{disabled: cfg.createFirstOnly}}
		if resume != nil {
			pipe.plan.open = resume.openLines()
		}
		snap, err := readUsersOnce(&cfg, pace, client, in, resume, log)
		if err != nil {
			return report.Summary{}, interruptedOr(ctx, err)
		}
		if cfg.DeactivateMissing {
			if deactivation, err = planDeactivation(&cfg, in, mp, snap, log); err != nil {
				return report.Summary{}, interruptedOr(ctx, err)
			}
		}
		if cfg.Lookup != LookupPerRow {
			pipe.plan.snap = snap
		}
	}
	if resume != nil {
		pipe.resumed = resume.done
	}

	rec, err := newRecorder(&cfg, in, pace, func() report.InputPosition {
		return in.position(pipe.rowsRead.Load(), pipe.readAll.Load())
	}, resume)
	if err != nil {
		return report.Summary{}, err
	}
	results := make(chan rowResult, 2*cfg.Concurrency)
	intents := make(chan intent, cfg.Concurrency)
	recorded := make(chan error, 1)
	go func() { recorded <- rec.loop(results, intents) }()

	if client != nil && !cfg.DryRun {
		pipe.apply = &applier{log: log, pacer: pace, client: client, plan: pipe.plan, retries: cfg.Retries, intents: intents, server: server}
		var once sync.Once
		pipe.warnOnce = func(row *mapping.Row) {
			if row.Password != "" {
				once.Do(func() { warnPasswords(log, cfg.URL) })
			}
		}
	}
	var runErr error
	if resume != nil {
		runErr = resume.carryOver(results)
	}
	if runErr == nil {
		runErr = pipe.run(reader, displayName(cfg.Input), results)
	}
	if runErr == nil && deactivation != nil && !pace.stopped() {
		runErr = deactivate(pace, client, deactivation, cfg.DryRun, cfg.Concurrency, results)
	}
	close(results)
	writeErr := <-recorded
	err = pace.outcome(ctx, runErr, writeErr, rec.failures)
	return writeSummary(&cfg, rec.tally, pace, err), err
}

// readUsersOnce reads authentik's users (or --scope-path's) into a snapshot when the run
// can meet existing users and that is cheaper than looking rows up one by one, or when
// --deactivate-missing needs them; nil otherwise.
func readUsersOnce(cfg *Config, pace *pacer, client *authentik.Client, in *input, resume *resumePlan, log *zap.Logger) (*snapshot, error) {
	meetsExisting := cfg.OnExisting != OnExistingFail || cfg.DeactivateMissing || cfg.DryRun || resume != nil
	if !meetsExisting || (cfg.Lookup == LookupPerRow && !cfg.DeactivateMissing) {
		return nil, nil
	}
	sr := &snapshotReader{pacer: pace, client: client, scope: cfg.ScopePath, log: log}
	first, err := sr.page(1)
	if err != nil {
		return nil, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
	}
	// Looking rows up costs about one request per row that may exist: every row when
	// existing users are skipped, updated or predicted; only the rows left in flight when a
	// run in --on-existing fail mode is resumed.
	perRowCost := in.rowsEstimate
	if cfg.OnExisting == OnExistingFail && !cfg.DryRun && resume != nil {
		perRowCost = len(resume.open)
	}
	if perRowCost < 0 { // standard input: unknown; the first page is read already
		perRowCost = 1
	}
	choice := chooseLookup(cfg.Lookup, first.Pagination.TotalPages, perRowCost, cfg.DeactivateMissing)
	log.Info("how existing users are found", zap.Bool("snapshot", choice.snapshot), zap.Bool("per_row", choice.perRow),
		zap.Int("users", first.Pagination.Count), zap.Int("pages", first.Pagination.TotalPages), zap.Int("rows_estimate", in.rowsEstimate))
	if !choice.snapshot {
		return nil, nil
	}
	if choice.perRow && cfg.Lookup == LookupAuto {
		cfg.Lookup = LookupPerRow // the snapshot serves deactivation only
	}
	snap, err := sr.read(first, cfg.DryRun)
	if err != nil {
		return nil, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
	}
	return snap, nil
}

// newRecorder opens the report (and, for a real run writing a file, its journal) and
// sets up the counters and the progress display.
func newRecorder(cfg *Config, in *input, pace *pacer, position func() report.InputPosition, resume *resumePlan) (*recorder, error) {
	progress, err := report.NewProgress(report.ProgressConfig{
		Out: cfg.Stderr, Mode: report.ProgressMode(cfg.Progress), IsTerminal: cfg.IsTerminal,
		Interval: cfg.ProgressInterval, Logger: cfg.Logger, Position: position, Concurrency: pace.concurrencyNow,
	})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	out, err := openReport(cfg)
	if err != nil {
		return nil, err
	}
	rec := &recorder{log: cfg.Logger, out: out, fingerprint: in.fingerprint, tally: report.NewTally(nil),
		progress: progress, maxErrors: cfg.MaxErrors, stop: func(err error) { pace.stop(err) }}
	if !cfg.DryRun && cfg.ReportPath != "-" && cfg.URL != "" {
		var carried []int
		if resume != nil {
			carried = resume.open
		}
		if rec.journal, err = createJournal(journalPath(cfg.ReportPath), carried); err != nil {
			out.Close()
			return nil, &UsageError{Err: err}
		}
	}
	return rec, nil
}

// writeSummary completes the summary with the outcome and writes it: the table on stderr,
// and the JSON and Prometheus files when asked for.
func writeSummary(cfg *Config, tally *report.Tally, pace *pacer, err error) report.Summary {
	s := tally.Summary()
	s.Concurrency = pace.concurrencySummary()
	s.ExitCode = ExitCode(err)
	s.ExitMeaning = ExitMeaning(s.ExitCode)
	s.ReportPath = cfg.ReportPath
	s.DryRun = cfg.DryRun
	report.WriteText(cfg.Stderr, s)
	if p := cfg.SummaryJSON; p != "" {
		if werr := report.WriteJSON(p, s); werr != nil {
			cfg.Logger.Error("cannot write --summary-json", zap.String("path", p), zap.Error(werr))
		}
	}
	if p := cfg.MetricsFile; p != "" {
		if werr := report.WritePrometheusFile(p, s); werr != nil {
			cfg.Logger.Error("cannot write --metrics-file", zap.String("path", p), zap.Error(werr))
		}
	}
	return s
}

// bigImportBytes is the input size above which the avatar advice is logged (about 2 000 rows).
const bigImportBytes = 256 << 10

// warnPasswords says once per run that password cells are sent to authentik.
func warnPasswords(log *zap.Logger, url string) {
	msg := "the file has passwords: each is sent to authentik's set_password API in the request body; it is never logged nor written to the report"
	if !strings.HasPrefix(strings.ToLower(url), "https://") {
		msg += "; this URL is not https, so they travel unencrypted"
	}
	log.Warn(msg)
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
