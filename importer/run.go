package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/limit"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// Run imports cfg.Input into authentik (or, with DryRun, says what it would do) and writes
// the report, the summary and, when asked, the summary's JSON and metrics files, whatever
// the outcome. The error tells the outcome (see ExitCode): nil when every row succeeded.
func Run(ctx context.Context, c Config) (report.Summary, error) {
	cfg, err := c.validated()
	r := &runner{cfg: cfg, log: cfg.Logger, tally: report.NewTally(nil), counts: map[string]int{}}
	if err == nil {
		err = r.run(ctx)
	}
	return r.summary(err), err
}

// runner holds what one run has learned, for its stages and its summary.
type runner struct {
	cfg      Config
	log      *zap.Logger
	tally    *report.Tally
	counts   map[string]int // the dry run's plan, by step
	adaptive *limit.Limiter
}

func (r *runner) run(ctx context.Context) error {
	cfg, log := r.cfg, r.log
	opts, err := readOptions(cfg)
	if err != nil {
		return err
	}
	if record.Regular(cfg.ReportPath) {
		unlock, err := record.Lock(cfg.ReportPath)
		if err != nil {
			return &UsageError{Err: err}
		}
		defer unlock()
	}
	in, err := scanInput(ctx, cfg, opts, report.ProgressMode(cfg.Progress) != report.ProgressNever, cfg.DeactivateMissing)
	if err != nil {
		return &UsageError{Err: err}
	}
	src, closeInput, err := openInput(cfg)
	if err != nil {
		return &UsageError{Err: err}
	}
	defer closeInput()
	reader, err := mapping.NewReader(src, opts)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("%s: %w", displayName(cfg.Input), err)}
	}
	defer reader.Close()
	var resumed *resume
	if cfg.ResumeFrom != "" {
		if resumed, err = readResume(cfg, in, log); err != nil {
			return err
		}
	}
	if cfg.ConcurrencyAuto {
		rules := limit.DefaultRules(cfg.MaxConcurrency)
		r.adaptive = limit.New(rules, nil)
		log.Info("--concurrency auto: the limit on requests in flight starts low and follows the server's latency",
			zap.Int("start", rules.Initial), zap.Int("max_concurrency", rules.Max))
	}
	st := execute.NewState(ctx, log, redactURL(cfg.URL), cfg.Retries, cfg.Concurrency, cfg.DrainTimeout, cfg.Abort)
	defer st.Close()
	pacer := execute.NewPacer(st, log, execute.Pace{Rate: cfg.Rate, Burst: cfg.Burst, Retries: cfg.Retries,
		Backoff: cfg.Backoff, StartupWait: cfg.StartupWait, Adaptive: r.adaptive})
	log.Info("starting", zap.String("input", displayName(cfg.Input)), zap.String("format", string(opts.Format)),
		zap.String("url", redactURL(cfg.URL)), zap.Bool("dry_run", cfg.DryRun), zap.String("on_existing", string(cfg.OnExisting)),
		zap.String("lookup", string(cfg.Lookup)), zap.Int("concurrency", cfg.Concurrency), zap.Float64("rate", cfg.Rate),
		zap.String("report", cfg.ReportPath))
	if !cfg.DryRun && in.size > 256<<10 {
		log.Info("a big import: consider setting authentik's avatar setting to \"initials\" (System › Brands/Settings) during the run; gravatar lookups slow every create (F-U14)")
	}

	rs := &rows{st: st, policy: plan.Policy{OnExisting: cfg.OnExisting, Reactivate: cfg.Reactivate, AddGroups: cfg.GroupsMode == GroupsAdd},
		order: &plan.RequestOrder{}, resume: resumed, dryRun: cfg.DryRun, concurrency: cfg.Concurrency, secret: func(*mapping.Row) {}}
	rs.groups = &groups{}
	var runRecord *record.Run
	var leaving []job
	var snap *plan.Snapshot
	guard := plan.Guard{Scope: cfg.ScopePath, AllowSuperusers: cfg.AllowSuperusers}
	if cfg.URL != "" {
		client, err := connect(cfg)
		if err != nil {
			return err
		}
		reads := &execute.Reads{P: pacer, Client: client, Scope: cfg.ScopePath}
		rs.reads, rs.groups.reads = reads, reads
		if rs.server, err = reads.Preflight(cfg.SendRecoveryEmail, mapping.IsUUID(cfg.SendRecoveryEmail), !cfg.DryRun && resumed == nil); err != nil {
			return beforeRows(ctx, st, err, "checking the URL and token before reading any row")
		}
		guard.Me = rs.server.Me
		if !rs.server.HashesSupported() && contains(reader.Columns(), "password_hash") {
			return &UsageError{Err: fmt.Errorf("%s has a password_hash column: %s; nothing was sent", displayName(cfg.Input), rs.server.HashVersionMessage())}
		}
		rs.policy.Mark = rs.server.Mark
		if resumed != nil {
			rs.policy.Mark = plan.Mark{PK: resumed.run.MarkPK, Proven: resumed.run.MarkProven}
		}
		if snap, err = r.readUsersOnce(reads, in, resumed); err != nil {
			return beforeRows(ctx, st, err, "reading authentik's users")
		}
		if cfg.DeactivateMissing {
			if leaving, err = leavers(cfg, in, snap, guard, log); err != nil {
				return err
			}
		}
		if cfg.Lookup != LookupPerRow {
			rs.snap = snap // else it served deactivation; rows are looked up one by one
		}
		if !cfg.DryRun {
			runRecord = &record.Run{Input: in.fingerprint, URL: redactURL(cfg.URL), MarkPK: rs.policy.Mark.PK,
				MarkProven: rs.policy.Mark.Proven, OnExisting: string(cfg.OnExisting), DeactivateMissing: cfg.DeactivateMissing,
				ScopePath: cfg.ScopePath, Started: time.Now().UTC()}
			if resumed != nil {
				first := resumed.run
				runRecord = &first
			}
			for _, j := range leaving {
				if u := j.step.User; !slices.ContainsFunc(runRecord.Leavers, func(l record.Leaver) bool { return l.PK == u.PK }) {
					runRecord.Leavers = append(runRecord.Leavers, record.Leaver{PK: u.PK, UUID: u.UUID, Username: u.Username})
				}
			}
			rs.secret = warnOnce(log, cfg.URL)
		}
	}
	if cfg.DryRun {
		rs.exec = &execute.Preview{Reads: rs.reads, Guard: guard, Snap: rs.snap, Emails: cfg.SendRecoveryEmail != "", GroupName: rs.groups.name}
	} else {
		rs.exec = &execute.Apply{Reads: rs.reads, Server: rs.server, Policy: rs.policy, Guard: guard, Order: rs.order, GroupName: rs.groups.name}
	}

	out, moved, err := record.Create(cfg.ReportPath, cfg.ReportFormat, cfg.Stdout, runRecord, cfg.DryRun)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	if moved != "" {
		log.Info("earlier report kept", zap.String("path", moved))
	}
	counter := src.(*countingReader)
	progress, err := report.NewProgress(report.ProgressConfig{Out: cfg.Stderr, Mode: report.ProgressMode(cfg.Progress),
		IsTerminal: cfg.IsTerminal, Interval: cfg.ProgressInterval, Logger: log,
		Position:    func() report.InputPosition { return in.position(counter, rs.read.Load(), rs.readAll.Load()) },
		Concurrency: func() int { return r.adaptive.Stats().Limit }})
	if err != nil {
		out.Close()
		return &UsageError{Err: err}
	}
	rec := &record.Recorder{Log: log, Out: out, Fingerprint: in.fingerprint, Tally: r.tally, Progress: progress,
		MaxErrors: cfg.MaxErrors, Stop: st.Stop, Plan: r.counts}
	entries := make(chan record.Entry, 2*cfg.Concurrency)
	recorded := make(chan error, 1)
	go func() { recorded <- rec.Loop(entries) }()

	var runErr error
	if resumed != nil {
		from := cfg.ResumeFrom
		if samePath(from, cfg.ReportPath) && moved != "" {
			from = moved
		}
		runErr = resumed.carryOver(from, entries)
	}
	if runErr == nil {
		runErr = rs.run(reader, displayName(cfg.Input), entries)
	}
	if runErr == nil && cfg.DeactivateMissing && !st.Stopped() {
		if resumed != nil && !cfg.DryRun {
			for _, e := range resumed.leftUnreported(snap) {
				entries <- e
			}
		}
		carryOut(st, rs.exec, leaving, cfg.Concurrency, entries)
	}
	if resumed != nil {
		resumed.carryUnreached(entries)
	}
	close(entries)
	writeErr := <-recorded
	switch cause := st.Cause(); {
	case writeErr != nil:
		return fmt.Errorf("the report could not be written, the run stopped: %w", writeErr)
	case st.Fatal() != nil:
		return st.Fatal()
	case runErr != nil:
		return runErr
	case ctx.Err() != nil:
		return ErrInterrupted
	case errors.Is(cause, ErrMaxErrors):
		return ErrMaxErrors
	case rec.Failures > 0:
		return ErrRowsFailed
	}
	return nil
}

// beforeRows is the error of a read made before the rows that failed: a usage error for an
// e-mail stage that does not exist, an interruption after a signal, else fatal.
func beforeRows(ctx context.Context, st *execute.State, err error, what string) error {
	switch {
	case errors.Is(err, execute.ErrNoStage):
		return &UsageError{Err: err}
	case ctx.Err() != nil:
		return ErrInterrupted
	}
	if f := st.Fatal(); f != nil {
		err = f.Err // an unreachable server already said so more clearly
	}
	return &FatalError{Err: fmt.Errorf("%s: %w", what, err)}
}

// readOptions is how the input is read: its format and the mapping file.
func readOptions(cfg Config) (mapping.Options, error) {
	opts := mapping.Options{Format: cfg.Format, Delimiter: cfg.Delimiter, Encoding: cfg.Encoding, Sheet: cfg.Sheet}
	if opts.Format == "" {
		f, err := mapping.FormatFromPath(cfg.Input)
		if err != nil {
			return opts, &UsageError{Err: err}
		}
		opts.Format = f
	}
	if cfg.MappingFile != "" {
		mp, err := mapping.LoadMapping(cfg.MappingFile)
		if err != nil {
			return opts, &UsageError{Err: fmt.Errorf("mapping file %s: %w", cfg.MappingFile, err)}
		}
		opts.Mapping = mp
	}
	return opts, nil
}

// openInput opens the input for the import, the run's second and last pass over it.
func openInput(cfg Config) (io.Reader, func(), error) {
	if cfg.Input == "-" {
		return &countingReader{r: cfg.Stdin}, func() {}, nil
	}
	f, err := os.Open(cfg.Input)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the input: %w", err)
	}
	return &countingReader{r: f}, func() { f.Close() }, nil
}

// readUsersOnce reads authentik's users (or --scope-path's) into a snapshot when the run
// can meet existing users and that is cheaper than looking rows up one by one, or when
// --deactivate-missing needs them.
func (r *runner) readUsersOnce(reads *execute.Reads, in *input, resumed *resume) (*plan.Snapshot, error) {
	cfg := r.cfg
	meetsExisting := cfg.OnExisting != OnExistingFail || cfg.DryRun || resumed != nil
	if !cfg.DeactivateMissing && (!meetsExisting || cfg.Lookup == LookupPerRow) {
		return nil, nil
	}
	first, err := reads.FirstUsersPage()
	if err != nil {
		return nil, err
	}
	perRowCost := max(in.lines, 1) // standard input: unknown, and page 1 is read already
	snapshot := cfg.DeactivateMissing || cfg.Lookup == LookupSnapshot || (cfg.Lookup == LookupAuto && first.Pagination.TotalPages <= perRowCost)
	r.log.Info("how existing users are found", zap.Bool("snapshot", snapshot), zap.Int("users", first.Pagination.Count),
		zap.Int("pages", first.Pagination.TotalPages), zap.Int("rows_estimate", in.lines))
	if !snapshot {
		return nil, nil
	}
	return reads.Snapshot(first, cfg.DryRun)
}

// summary completes the summary with the outcome and writes it: the table on stderr (the
// dry run's plan line last), and the JSON and Prometheus files when asked for.
func (r *runner) summary(err error) report.Summary {
	cfg := r.cfg
	s := r.tally.Summary()
	if r.adaptive != nil {
		st := r.adaptive.Stats()
		s.Concurrency = &report.Concurrency{Mode: "auto", Limit: st.Limit, MinSeen: st.Low, MaxSeen: st.High,
			MaxConcurrency: cfg.MaxConcurrency, Decreases: st.Decreases}
	}
	s.ExitCode = ExitCode(err)
	s.ExitMeaning = ExitMeaning(s.ExitCode)
	s.ReportPath, s.DryRun = cfg.ReportPath, cfg.DryRun
	if cfg.DryRun {
		s.Plan = plan.PlanLine(r.counts)
	}
	switch {
	case cfg.Stderr == nil:
	case cfg.LogJSON:
		report.WriteSummaryLine(cfg.Stderr, s)
	default:
		report.WriteText(cfg.Stderr, s)
		if cfg.DryRun {
			fmt.Fprintln(cfg.Stderr, s.Plan)
		}
	}
	log := r.log
	if log == nil {
		log = zap.NewNop()
	}
	if p := cfg.SummaryJSON; p != "" && !samePath(p, cfg.Input) {
		if werr := report.WriteJSON(p, s); werr != nil {
			log.Error("cannot write --summary-json", zap.String("path", p), zap.Error(werr))
		}
	}
	if p := cfg.MetricsFile; p != "" && !samePath(p, cfg.Input) {
		if werr := report.WritePrometheusFile(p, s); werr != nil {
			log.Error("cannot write --metrics-file", zap.String("path", p), zap.Error(werr))
		}
	}
	return s
}

// connect builds the run's one HTTP client.
func connect(cfg Config) (*authentik.Client, error) {
	c, err := authentik.NewClient(authentik.ClientConfig{BaseURL: cfg.URL, Token: cfg.Token, Insecure: cfg.Insecure,
		Timeout: cfg.Timeout, MaxConns: cfg.Concurrency, UserAgent: "akimport/" + cfg.Version, HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if cfg.Insecure {
		cfg.Logger.Warn("TLS certificate verification is off (--insecure): the token could be sent to an impostor")
	}
	if plainHTTP(cfg.URL) && !isLoopback(cfg.URL) {
		cfg.Logger.Warn("the URL is plain http: the token (and any passwords) travel unencrypted; use https")
	}
	return c, nil
}

// warnOnce says once per run that the file's passwords or hashes are sent to authentik.
func warnOnce(log *zap.Logger, url string) func(*mapping.Row) {
	var once sync.Once
	return func(row *mapping.Row) {
		if row.Password == "" && row.PasswordHash == "" {
			return
		}
		once.Do(func() {
			msg := "the file has passwords or password hashes: each is sent to authentik in a request body after its user is created; none is ever logged or written to the report"
			if plainHTTP(url) {
				msg += "; this URL is not https, so they travel unencrypted"
			}
			log.Warn(msg)
		})
	}
}

func plainHTTP(url string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(url)), "http://")
}

func isLoopback(u string) bool {
	for _, h := range []string{"://127.", "://localhost", "://[::1]"} {
		if strings.Contains(strings.ToLower(u), h) {
			return true
		}
	}
	return false
}

// redactURL is the URL as messages and records show it: no user info, query or fragment.
func redactURL(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 && at < strings.IndexByte(rest+"/", '/') {
			rest = rest[at+1:]
		}
		u = scheme + "://" + rest
	}
	return strings.TrimSuffix(strings.TrimRight(u, "/"), "/api/v3")
}

// displayName names the input in messages.
func displayName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}
