package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/akimport/akimport/importer"
)

// undoOptions are the undo command's flags; most go straight into cfg.
type undoOptions struct {
	connectionFlags
	cfg       importer.UndoConfig
	logFormat string
	verbose   bool
}

// runUndo is what the undo command calls; tests pass another.
func runUndo(ctx context.Context, cfg importer.UndoConfig) error {
	_, err := importer.Undo(ctx, cfg)
	return err
}

func newUndoCommand(ctx context.Context, env environment, code *int, run func(context.Context, importer.UndoConfig) error) *cobra.Command {
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
				return logged(cfg.Logger, cfg.LogJSON, err)
			}
			return finish(code, cfg.Logger, nil, func() error { return run(ctx, cfg) }, true)
		},
	}
	c := &opts.cfg
	*c = importer.UndoDefaults()
	f := cmd.Flags()
	f.SortFlags = false
	opts.connectionFlags.register(f)
	f.StringVar(&c.ReportPath, "report", c.ReportPath, "the undo's own report: .csv or .jsonl by extension; - for standard output")
	f.StringVar(&opts.logFormat, "log-format", "console", "log format on stderr: console or json")
	group(f, "output", []string{"report", "log-format"})
	f.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "requests in flight at most")
	f.Float64Var(&c.Rate, "rate", c.Rate, "requests per second at most (0 = no limit)")
	f.IntVar(&c.Burst, "burst", c.Burst, "token bucket burst")
	f.DurationVar(&c.Timeout, "timeout", c.Timeout, "timeout of each HTTP request")
	f.IntVar(&c.Retries, "retries", c.Retries, "retries of a transient failure")
	group(f, "pace", []string{"concurrency", "rate"}, "burst", "timeout", "retries")
	f.BoolVar(&c.Delete, "delete", false, "delete the users (DELETE, for good) instead of deactivating them")
	f.BoolVar(&c.AllowSuperusers, "allow-superusers", false, "let undo deactivate or delete users who are superusers now")
	group(f, "sync", []string{"delete", "allow-superusers"})
	f.BoolVar(&c.DryRun, "dry-run", false, "read only: report what would be done")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "debug logs")
	group(f, "run control", []string{"dry-run", "verbose"})
	addHelpAll(cmd)
	return cmd
}

func (o *undoOptions) config(importReport string, env environment, cmd *cobra.Command) (importer.UndoConfig, error) {
	cfg := o.cfg
	cfg.Report = importReport
	cfg.Stdout, cfg.Stderr, cfg.HTTPClient, cfg.Abort = env.stdout, env.stderr, env.httpClient, env.abort
	cfg.LogJSON = o.logFormat == "json"
	cfg.Version, _ = versionInfo()
	var err error
	if cfg.Logger, err = newLogger(o.logFormat, o.verbose, env.stderr); err != nil {
		return cfg, err
	}
	cfg.URL, cfg.Token, cfg.Insecure, err = o.resolve(env, cmd, [2]string{"--report", cfg.ReportPath})
	return cfg, err
}
