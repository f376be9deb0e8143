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
		snap, forRows, err := readUsersOnce(&cfg, pace, client, in, resume, log)
		if err != nil {
			return report.Summary{}, interruptedOr(ctx, err)
		}
		if cfg.DeactivateMissing {
			if deactivation, err = planDeactivation(&cfg, in, mp, snap, log); err != nil {
				return report.Summary{}, interruptedOr(ctx, err)
			}
		}
		if forRows {
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
