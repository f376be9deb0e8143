package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/akimport/akimport/importer"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// environment is what the command takes from the process, so tests can swap it.
type environment struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	isTerminal     bool
	abort          <-chan struct{} // closed by a second signal
	httpClient     *http.Client    // nil: the importer's own; tests inject one
}

// importOptions are the import command's flags: most go straight into cfg; the rest need parsing.
type importOptions struct {
	connectionFlags
	cfg                                                                    importer.Config
	format, reportFormat, concurrency, maxDeactivate, logFormat, delimiter string
	verbose                                                                bool
}

const exitCodesHelp = `Exit codes:
  0    every row succeeded (in a dry run: every row is valid)
  1    the run finished, but some rows are invalid, rejected or failed (see the report)
  2    usage or input error before any row was sent (bad flag, unreadable file, unknown column)
  3    fatal: authentik refused the token (403), could not be reached, or its certificate
       is not trusted; the run stopped at once
  130  interrupted (SIGINT/SIGTERM) after finishing the rows in flight`

// execute runs the command line and returns the process exit code.
func execute(ctx context.Context, args []string, env environment) int {
	code := importer.ExitOK
	root := newRootCommand(ctx, env, &code)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		if !errors.Is(err, errLogged) {
			fmt.Fprintf(env.stderr, "akimport: %v\n", err)
		}
		if code == importer.ExitOK {
			code = importer.ExitUsage
		}
	}
	return code
}

func newRootCommand(ctx context.Context, env environment, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:   "akimport",
		Short: "Create users in authentik in bulk from CSV or JSON Lines",
		Long: `akimport creates users in authentik from a CSV or JSON Lines file: it validates every
row the way authentik does, sends the valid ones through a rate-limited pool of workers,
and writes a report with one line per input row: created, or exactly why not.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(env.stdin)
	root.SetOut(env.stdout)
	root.SetErr(env.stderr)
	root.AddCommand(newImportCommand(ctx, env, code, runImport), newUndoCommand(ctx, env, code, runUndo), &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and its date",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v, vcs := versionInfo()
			fmt.Fprintf(cmd.OutOrStdout(), "akimport %s (%s)\n", v, vcs)
		},
	})
	return root
}

// runImport is what the import command calls with the complete configuration; tests pass
// another to check argv → config without importing anything.
func runImport(ctx context.Context, cfg importer.Config) error {
	_, err := importer.Run(ctx, cfg)
	return err
}

func newImportCommand(ctx context.Context, env environment, code *int, run func(context.Context, importer.Config) error) *cobra.Command {
	opts := importOptions{}
	cmd := &cobra.Command{
		Use:   "import [flags] FILE",
		Short: "Import the users of a CSV or JSONL file (FILE may be - for standard input)",
		Long: `Import the users of FILE into authentik.

FILE is CSV with a header row (the delimiter , ; or tab is detected), JSON Lines (one object
per line) or an .xlsx workbook; "-" reads standard input and then needs --format. Columns are
authentik's field names, matched ignoring case: username, name, email, is_active, path, type,
groups (UUIDs or names, separated by ";"), attributes (a JSON object) and attributes.<key>
columns, last_login, and password or password_hash (set after the create, never logged).
An empty cell leaves the field to authentik's default.

The token comes from AUTHENTIK_TOKEN or --token-file, never from a flag value: it would
show in shell history and process lists. The URL comes from --url or AUTHENTIK_URL.

` + exitCodesHelp,
		Example: `  # check a file without touching any server
  akimport import --dry-run users.csv

  # import it
  export AUTHENTIK_URL=https://auth.example.com AUTHENTIK_TOKEN=...
  akimport import users.csv

  # nightly HR sync: create, update, deactivate leavers (at most 5% of the scope)
  akimport import --on-existing update --deactivate-missing --scope-path users/staff hr.csv

  # finish a run that stopped half-way
  akimport import --resume akimport-report.csv users.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return opts.refused(env, fmt.Errorf("want exactly one input FILE (or - for standard input), got %d", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := opts.config(args[0], env, cmd)
			if err != nil {
				return opts.refused(env, err)
			}
			// Rows that failed are the summary's to tell.
			return finish(code, cfg.Logger, err, func() error { return run(ctx, cfg) }, false)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return opts.refused(env, err) })
	c := &opts.cfg
	*c = importer.Defaults()
	c.GroupsMode = importer.GroupsReplace
	f := cmd.Flags()
	f.SortFlags = false
	opts.connectionFlags.register(f)
	f.StringVar(&opts.format, "format", "", "input format, csv, jsonl or xlsx (default: from the file extension)")
	f.StringVar(&c.MappingFile, "mapping", "", "mapping file (YAML or JSON): column names, defaults, transforms")
	f.StringVar(&opts.delimiter, "delimiter", "", "CSV delimiter: , ; tab or | (default: detected from the header)")
	f.StringVar(&c.Encoding, "encoding", "", "input encoding, e.g. windows-1252, latin-1, utf-16 (default: UTF-8; UTF-16 with a BOM is detected)")
	f.StringVar(&c.Sheet, "sheet", "", "the .xlsx sheet to read (default: the first)")
	group(f, "input", []string{"format", "mapping", "delimiter", "encoding"}, "sheet")

	f.StringVar(&c.ReportPath, "report", c.ReportPath, "per-row report: .csv or .jsonl by extension; - for standard output; an existing file is moved aside")
	f.StringVar(&opts.logFormat, "log-format", "console", "log format on stderr: console or json (the summary too)")
	f.StringVar(&c.SummaryJSON, "summary-json", "", "write the summary as JSON to this file")
	f.StringVar(&c.MetricsFile, "metrics-file", "", "write Prometheus text-format gauges of the run to this file (node-exporter textfile collector)")
	f.StringVar(&opts.reportFormat, "report-format", "", "report format, csv or jsonl (default: from the --report extension; csv for -)")
	f.StringVar(&c.Progress, "progress", c.Progress, "progress: auto (bar on a terminal, log lines otherwise), always, never")
	f.DurationVar(&c.ProgressInterval, "progress-interval", c.ProgressInterval, "interval of the progress log lines when not on a terminal")
	group(f, "output", []string{"report", "log-format", "summary-json", "metrics-file"}, "report-format", "progress", "progress-interval")

	f.StringVar(&opts.concurrency, "concurrency", strconv.Itoa(c.Concurrency), "requests in flight at most, or auto: start low and follow the server's latency")
	f.Float64Var(&c.Rate, "rate", c.Rate, "requests per second at most, all workers together (0 = no limit)")
	f.IntVar(&c.MaxConcurrency, "max-concurrency", c.MaxConcurrency, "with --concurrency auto: requests in flight at most")
	f.IntVar(&c.Burst, "burst", c.Burst, "token bucket burst")
	f.DurationVar(&c.Timeout, "timeout", c.Timeout, "timeout of each HTTP request")
	f.IntVar(&c.Retries, "retries", c.Retries, "retries of a transient failure (network, 429, 502, 503, 504)")
	f.DurationVar(&c.StartupWait, "startup-wait", importer.DefaultStartupWait, "how long to wait for an authentik that answers it is starting, or whose backend is down")
	group(f, "pace", []string{"concurrency", "rate"}, "max-concurrency", "burst", "timeout", "retries", "startup-wait")

	f.StringVar((*string)(&c.OnExisting), "on-existing", string(c.OnExisting), "when the username exists: fail, skip or update")
	f.BoolVar(&c.DeactivateMissing, "deactivate-missing", false, "sync: deactivate active users under --scope-path that the file does not list")
	f.StringVar(&c.ScopePath, "scope-path", "", "the authentik path --deactivate-missing may touch (required with it)")
	f.StringVar(&opts.maxDeactivate, "max-deactivate", c.MaxDeactivate.String(), "abort deactivation, changing nothing, if more would be deactivated (N or P%)")
	f.StringVar((*string)(&c.GroupsMode), "groups-mode", string(c.GroupsMode), "with --on-existing update: replace a user's groups with the row's, or add the row's and remove none")
	f.BoolVar(&c.Reactivate, "reactivate", false, "with --on-existing update: set listed users that are inactive in authentik active (unless the row gives is_active)")
	f.StringVar((*string)(&c.Lookup), "lookup", string(c.Lookup), "how existing users are found: snapshot (read them once, 100 a page), per-row (a lookup per row), auto (the cheaper)")
	f.BoolVar(&c.AllowSuperusers, "allow-superusers", false, "let --deactivate-missing deactivate superusers")
	f.StringVar(&c.SendRecoveryEmail, "send-recovery-email", "", "after each user is created, authentik e-mails it a recovery link through this e-mail `STAGE` (name or UUID)")
	group(f, "sync", []string{"on-existing", "deactivate-missing", "scope-path", "max-deactivate", "groups-mode"},
		"reactivate", "lookup", "allow-superusers", "send-recovery-email")

	f.BoolVar(&c.DryRun, "dry-run", false, "validate and map only; change nothing (with --url: also read-only checks)")
	f.StringVar(&c.ResumeFrom, "resume", "", "skip the rows this earlier report records as done")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "debug logs (each retry, each invalid row)")
	f.IntVar(&c.MaxErrors, "max-errors", 0, "stop cleanly after N rows rejected or failed (0 = no limit)")
	group(f, "run control", []string{"dry-run", "resume", "verbose"}, "max-errors")
	addHelpAll(cmd)
	return cmd
}

// errLogged is a command-line error already logged (as a JSON line): not printed again.
var errLogged = errors.New("logged")

// refused ends an import the command line refused before it began: the metrics and
// --summary-json say exit 2 too (the flags parsed so far name them), and with JSON logs the
// error and the summary are JSON lines.
func (o *importOptions) refused(env environment, err error) error {
	cfg := o.cfg
	cfg.Stderr, cfg.LogJSON = env.stderr, o.logFormat == "json"
	cfg.Logger, _ = newLogger(o.logFormat, o.verbose, env.stderr)
	if o.outputIsTokenFile([2]string{"--summary-json", cfg.SummaryJSON}, [2]string{"--metrics-file", cfg.MetricsFile}) {
		cfg.SummaryJSON, cfg.MetricsFile = "", "" // never written over the token
	}
	importer.Refused(cfg, err)
	return logged(cfg.Logger, cfg.LogJSON, err)
}

// logged logs a command-line error as a JSON line when the logs are JSON, else hands it on.
func logged(log *zap.Logger, json bool, err error) error {
	if !json || log == nil {
		return err
	}
	log.Error(err.Error())
	return errLogged
}

// finish runs a command whose configuration is complete (configErr: it could not be) and sets
// *code. An error that only says rows failed is logged when logRowsFailed.
func finish(code *int, log *zap.Logger, configErr error, run func() error, logRowsFailed bool) error {
	if configErr != nil {
		*code = importer.ExitUsage
		return configErr
	}
	defer log.Sync() //nolint:errcheck // stderr sync errors are meaningless here
	err := run()
	if *code = importer.ExitCode(err); err != nil && (logRowsFailed || *code != importer.ExitRowsFailed) {
		log.Error(err.Error())
	}
	return nil
}

// config completes the flags' configuration with what needs parsing and the environment.
func (o *importOptions) config(input string, env environment, cmd *cobra.Command) (importer.Config, error) {
	cfg := o.cfg
	cfg.Input = input
	cfg.Format = mapping.Format(strings.ToLower(o.format))
	cfg.ReportFormat = report.Format(strings.ToLower(o.reportFormat))
	stderr := sharedStderr(env.stderr) // the bar and the logs take turns on its last line
	cfg.Stdin, cfg.Stdout, cfg.Stderr, cfg.IsTerminal = env.stdin, env.stdout, stderr, env.isTerminal
	cfg.LogJSON = o.logFormat == "json"
	var err error
	if cfg.Logger, err = newLogger(o.logFormat, o.verbose, stderr); err != nil {
		return cfg, err
	}
	outputs := [][2]string{{"--report", cfg.ReportPath}, {"--summary-json", cfg.SummaryJSON}, {"--metrics-file", cfg.MetricsFile}}
	if cfg.URL, cfg.Token, cfg.Insecure, err = o.resolve(env, cmd, outputs...); err != nil {
		if o.outputIsTokenFile(outputs...) {
			cfg.SummaryJSON, cfg.MetricsFile = "", "" // never written over the token
		}
		return cfg, err
	}
	if cfg.Concurrency, cfg.ConcurrencyAuto, err = parseConcurrency(o.concurrency); err != nil {
		return cfg, err
	}
	if cmd.Flags().Changed("max-concurrency") && !cfg.ConcurrencyAuto {
		return cfg, errors.New("--max-concurrency is the bound of --concurrency auto; with a number, --concurrency is the bound")
	}
	if cfg.ConcurrencyAuto {
		cfg.Concurrency = cfg.MaxConcurrency // a worker for every request the limit may allow
	}
	if cfg.MaxDeactivate, err = importer.ParseDeactivateLimit(o.maxDeactivate); err != nil {
		return cfg, err
	}
	if o.delimiter != "" {
		if cfg.Delimiter, err = mapping.ParseDelimiter(o.delimiter); err != nil {
			return cfg, fmt.Errorf("--delimiter: %w", err)
		}
	}
	cfg.Abort, cfg.HTTPClient = env.abort, env.httpClient
	cfg.Version, _ = versionInfo()
	return cfg, cfg.Validate()
}

// parseConcurrency reads --concurrency: a number of requests in flight, or "auto" to let
// akimport find the server's pace (bounded by --max-concurrency).
func parseConcurrency(s string) (n int, auto bool, err error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return 0, true, nil
	}
	if n, err = strconv.Atoi(strings.TrimSpace(s)); err != nil {
		return 0, false, fmt.Errorf("--concurrency %q: want a number of requests in flight, or auto", s)
	}
	return n, false, nil
}
