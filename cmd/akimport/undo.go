package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/akimport/akimport/importer"
)

// undoOptions are the undo command's flags as typed by the user.
type undoOptions struct {
	connectionFlags
	report, logFormat                     string
	del, dryRun, verbose, allowSuperusers bool
	concurrency, burst, retries           int
	rate                                  float64
	timeout                               time.Duration
}

// undoFunc is what the undo command calls; tests replace it.
type undoFunc func(ctx context.Context, cfg importer.UndoConfig) error

func runUndo(ctx context.Context, cfg importer.UndoConfig) error {
	_, err := importer.Undo(ctx, cfg)
	return err
}

func newUndoCommand(ctx context.Context, env environment, code *int, run undoFunc) *cobra.Command {
	opts := undoOptions{}
	cmd := &cobra.Command{
		Use:   "undo [flags] REPORT",
		Short: "Take back an import: deactivate (or delete) the users its report records as created",
		Long: `Take back the import that wrote REPORT: every user the report records as created is
deactivated (PATCH is_active=false), or deleted with --delete, but only if the user at that pk
still has the uuid the report recorded; anything else is skipped with the reason (gone,
replaced, already inactive). Undo writes its own report (statuses deactivated, deleted,
skipped, failed; planned in a dry run) and a summary. Running it twice is harmless.

` + exitCodesHelp,
		Example: `  # what would be undone (reads only)
  akimport undo --dry-run akimport-report.csv
  # deactivate the users the import created
  akimport undo --report undo-report.csv akimport-report.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := opts.config(args[0], env, cmd)
			if err != nil {
				*code = importer.ExitUsage
				return err
			}
			defer cfg.Logger.Sync() //nolint:errcheck // stderr sync errors are meaningless here
			err = run(ctx, cfg)
			if *code = importer.ExitCode(err); err != nil {
				cfg.Logger.Error(err.Error())
			}
			return nil
		},
	}
	d := importer.UndoDefaults()
	f := cmd.Flags()
	f.SortFlags = false
	opts.connectionFlags.register(f)
	f.StringVar(&opts.report, "report", d.ReportPath, "the undo's own report: .csv or .jsonl by extension; - for standard output")
	f.StringVar(&opts.logFormat, "log-format", "console", "log format on stderr: console or json")
	group(f, "output", false, "report", "log-format")
	f.IntVar(&opts.concurrency, "concurrency", d.Concurrency, "requests in flight at most")
	f.Float64Var(&opts.rate, "rate", d.Rate, "requests per second at most (0 = no limit)")
	f.IntVar(&opts.burst, "burst", d.Burst, "token bucket burst")
	f.DurationVar(&opts.timeout, "timeout", d.Timeout, "timeout of each HTTP request")
	f.IntVar(&opts.retries, "retries", d.Retries, "retries of a transient failure")
	group(f, "pace", false, "concurrency", "rate")
	group(f, "pace", true, "burst", "timeout", "retries")
	f.BoolVar(&opts.del, "delete", false, "delete the users (DELETE, for good) instead of deactivating them")
	f.BoolVar(&opts.allowSuperusers, "allow-superusers", false, "let undo deactivate or delete users who are superusers now")
	group(f, "sync", false, "delete", "allow-superusers")
	f.BoolVar(&opts.dryRun, "dry-run", false, "read only: report what would be done")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "debug logs")
	group(f, "run control", false, "dry-run", "verbose")
	opts.registerRefusedToken(f)
	addHelpAll(cmd)
	return cmd
}

func (o *undoOptions) config(importReport string, env environment, cmd *cobra.Command) (importer.UndoConfig, error) {
	cfg := importer.UndoDefaults()
	cfg.Report, cfg.Delete, cfg.DryRun, cfg.AllowSuperusers = importReport, o.del, o.dryRun, o.allowSuperusers
	var err error
	if cfg.URL, cfg.Token, cfg.Insecure, err = o.resolve(env, cmd); err != nil {
		return cfg, err
	}
	if err := o.refuseTokenFileAsOutput([2]string{"--report", o.report}); err != nil {
		return cfg, err
	}
	cfg.ReportPath = o.report
	cfg.Concurrency, cfg.Rate, cfg.Burst, cfg.Timeout, cfg.Retries = o.concurrency, o.rate, o.burst, o.timeout, o.retries
	cfg.Stdout, cfg.Stderr, cfg.HTTPClient = env.stdout, env.stderr, env.httpClient
	cfg.Version, _ = versionInfo()
	cfg.Logger, err = newLogger(o.logFormat, o.verbose, env.stderr)
	return cfg, err
}
