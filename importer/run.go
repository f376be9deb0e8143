package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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

// Refused writes the summary files of a run the command line refused before it began (exit
// 2), and with JSON logs the summary line; the command line says why itself.
func Refused(c Config, err error) report.Summary {
	cfg, _ := c.validated()
	if !cfg.LogJSON {
		cfg.Stderr = io.Discard
	}
	r := &runner{cfg: cfg, log: cfg.Logger, tally: report.NewTally(nil), counts: map[string]int{}}
	return r.summary(&UsageError{Err: err})
}

// runner holds what one run has learned, for its stages and its summary.
type runner struct {
	cfg      Config
	log      *zap.Logger
	tally    *report.Tally
	counts   map[string]int // the dry run's plan, by step
	adaptive *limit.Limiter
}

// run reads the input once to know it, learns what authentik holds, decides the leavers,
// then has the rows (and the leavers) carried out while the recorder writes the report.
func (r *runner) run(ctx context.Context) error {
	cfg, log := r.cfg, r.log
	in, reader, resumed, client, closeInput, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer closeInput()
	if cfg.ConcurrencyAuto {
		rules := limit.DefaultRules(cfg.MaxConcurrency)
		r.adaptive = limit.New(rules, nil)
		log.Info("--concurrency auto: the limit on requests in flight starts low and follows the server's latency",
			zap.Int("start", rules.Initial), zap.Int("max_concurrency", rules.Max))
	}
	st := execute.NewState(ctx, log, baseURL(client), cfg.Retries, cfg.Concurrency, cfg.DrainTimeout, cfg.Abort)
	defer st.Close()
	pacer := execute.NewPacer(st, log, execute.Pace{Rate: cfg.Rate, Burst: cfg.Burst, Retries: cfg.Retries,
		Backoff: cfg.Backoff, StartupWait: cfg.StartupWait, Adaptive: r.adaptive})
	log.Info("starting", zap.String("input", displayName(cfg.Input)), zap.String("url", baseURL(client)),
		zap.Bool("dry_run", cfg.DryRun), zap.String("on_existing", string(cfg.OnExisting)), zap.String("lookup", string(cfg.Lookup)),
		zap.Int("concurrency", cfg.Concurrency), zap.Float64("rate", cfg.Rate), zap.String("report", cfg.ReportPath))
	if !cfg.DryRun && in.size > 256<<10 {
		log.Info("a big import: consider setting authentik's avatar setting to \"initials\" (System › Brands/Settings) during the run; gravatar lookups slow every create (F-U14)")
	}
	rs := &rows{st: st, policy: plan.Policy{OnExisting: cfg.OnExisting, Reactivate: cfg.Reactivate, AddGroups: cfg.GroupsMode == GroupsAdd},
		order: &plan.RequestOrder{}, resume: resumed, dryRun: cfg.DryRun, emails: cfg.SendRecoveryEmail != "", concurrency: cfg.Concurrency, secret: func(*mapping.Row) {},
		groups: &groups{}}
	guard := plan.Guard{Scope: cfg.ScopePath, AllowSuperusers: cfg.AllowSuperusers, Named: in.names.has}
	var leaving []job
	var snap *plan.Snapshot
	if client != nil {
		if snap, leaving, err = r.learn(ctx, rs, &execute.Reads{P: pacer, Client: client, Scope: cfg.ScopePath}, in, reader, &guard); err != nil {
			return err
		}
	}
	if cfg.DryRun {
		rs.exec = &execute.Preview{Reads: rs.reads, Guard: guard, Snap: rs.snap, Emails: cfg.SendRecoveryEmail != "", GroupName: rs.groups.name}
	} else {
		rs.exec = &execute.Apply{Reads: rs.reads, Server: rs.server, Policy: rs.policy, Guard: guard, Order: rs.order, GroupName: rs.groups.name}
		rs.secret = warnOnce(log, cfg.URL)
	}

	runRecord := r.runRecord(in, client, rs.policy.Mark, resumed, leaving)
	out, moved, err := record.Create(cfg.ReportPath, cfg.ReportFormat, cfg.Stdout, runRecord, cfg.DryRun)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("cannot write the report: %w", err)}
	}
	if moved != "" {
		log.Info("earlier report kept", zap.String("path", moved))
	}
	if runRecord != nil && record.Regular(cfg.ReportPath) {
		from := 0
		if resumed != nil {
			from = min(resumed.sent, math.MaxInt32) // unknown stays unknown: every line maybe sent
		}
		if rs.sent, err = record.OpenSent(cfg.ReportPath, from); err != nil {
			out.Close()
			return &UsageError{Err: err}
		}
		defer rs.sent.Close()
	}
	mode, terminal := report.ProgressMode(cfg.Progress), cfg.IsTerminal
	if cfg.LogJSON && mode != report.ProgressNever {
		mode, terminal = report.ProgressAuto, false // JSON lines only: progress as log lines, no bar
	}
	progress, err := report.NewProgress(report.ProgressConfig{Out: cfg.Stderr, Mode: mode,
		IsTerminal: terminal, Interval: cfg.ProgressInterval, Logger: log,
		Position:    func() report.InputPosition { return in.position(rs.read.Load(), rs.readAll.Load()) },
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
	if runRecord != nil && rs.unclear.Load() && rs.policy.Mark.Proven && record.Regular(cfg.ReportPath) {
		// Every request has ended: the highest pk now bounds what undo may take for a user an
		// unclear create made (read even after a stop: Reads.EndPK).
		if end, err := rs.reads.EndPK(); err == nil && end > 0 {
			runRecord.EndPK = end
			if err := record.WriteRun(cfg.ReportPath, runRecord); err != nil {
				log.Warn("cannot note the highest pk in the run record", zap.Error(err))
			}
		}
	}
	close(entries)
	writeErr := <-recorded
	switch {
	case writeErr != nil:
		return fmt.Errorf("the report could not be written, the run stopped: %w", writeErr)
	case st.Fatal() != nil:
		return st.Fatal()
	case runErr != nil:
		return runErr
	case ctx.Err() != nil:
		return ErrInterrupted
	case errors.Is(st.Cause(), ErrMaxErrors):
		return ErrMaxErrors
	case rec.Failures > 0:
		return ErrRowsFailed
	}
	return nil
}

// learn asks authentik, before any row, what the run must know: the server (version, the
// token's user, the e-mail stage, the pk mark), the users (a snapshot, when it pays or
// deactivation needs it) and the leavers.
func (r *runner) learn(ctx context.Context, rs *rows, reads *execute.Reads, in *input, reader *mapping.Reader, guard *plan.Guard) (*plan.Snapshot, []job, error) {
	cfg := r.cfg
	rs.reads, rs.groups.reads = reads, reads
	var err error
	if rs.server, err = reads.Preflight(cfg.SendRecoveryEmail, mapping.IsUUID(cfg.SendRecoveryEmail), !cfg.DryRun && rs.resume == nil); err != nil {
		return nil, nil, beforeRows(ctx, reads.P.State, err, "checking the URL and token before reading any row")
	}
	guard.Me = rs.server.Me
	if !rs.server.HashesSupported() && slices.Contains(reader.Columns(), "password_hash") {
		return nil, nil, &UsageError{Err: fmt.Errorf("%s has a password_hash column: %s; nothing was sent", displayName(cfg.Input), rs.server.HashVersionMessage())}
	}
	rs.policy.Mark = rs.server.Mark
	if rs.resume != nil {
		rs.policy.Mark = plan.Mark{PK: rs.resume.run.MarkPK, Proven: rs.resume.run.MarkProven}
	}
	meetsExisting := cfg.OnExisting != OnExistingFail || cfg.DryRun || rs.resume != nil
	if !cfg.DeactivateMissing && (!meetsExisting || cfg.Lookup == LookupPerRow) {
		return nil, nil, nil
	}
	first, err := reads.FirstUsersPage()
	if err != nil {
		return nil, nil, beforeRows(ctx, reads.P.State, err, "reading authentik's users")
	}
	// Reading every user costs a request a page, looking rows up one by one about one a row.
	pays := cfg.Lookup == LookupSnapshot || (cfg.Lookup == LookupAuto && first.Pagination.TotalPages <= max(in.lines, 1))
	r.log.Info("how existing users are found", zap.Bool("snapshot", pays), zap.Int("users", first.Pagination.Count),
		zap.Int("pages", first.Pagination.TotalPages), zap.Int("rows_estimate", in.lines))
	if !pays && !cfg.DeactivateMissing {
		return nil, nil, nil
	}
	snap, err := reads.Snapshot(first, cfg.DryRun)
	if err != nil {
		return nil, nil, beforeRows(ctx, reads.P.State, err, "reading authentik's users")
	}
	if pays {
		rs.snap = snap
	}
	var leaving []job
	if cfg.DeactivateMissing {
		leaving, err = leavers(cfg, in, snap, *guard, r.log)
	}
	return snap, leaving, err
}

// runRecord is what the report keeps about a real run (record.Run): a resume carries the
// first run's record on, with the leavers it plans added.
func (r *runner) runRecord(in *input, client *authentik.Client, mark plan.Mark, resumed *resume, leaving []job) *record.Run {
	cfg := r.cfg
	if cfg.DryRun || client == nil {
		return nil
	}
	run := &record.Run{Input: in.fingerprint, URL: baseURL(client), MarkPK: mark.PK, MarkProven: mark.Proven, Mapping: in.mapping,
		Reading: in.reading, AllowSuperusers: cfg.AllowSuperusers,
		OnExisting: string(cfg.OnExisting), Reactivate: cfg.Reactivate, GroupsMode: string(cfg.GroupsMode),
		DeactivateMissing: cfg.DeactivateMissing, ScopePath: cfg.ScopePath, Started: time.Now().UTC()}
	if resumed != nil {
		first := resumed.run
		run = &first
		run.EndPK = 0 // this run extends the import: its end is not known yet
	}
	for _, j := range leaving {
		if u := j.step.User; !slices.ContainsFunc(run.Leavers, func(l record.Leaver) bool { return l.PK == u.PK }) {
			run.Leavers = append(run.Leavers, record.Leaver{PK: u.PK, UUID: u.UUID, Username: u.Username})
		}
	}
	return run
}

// beforeRows is the error of a read made before the rows: a usage error for an e-mail stage
// that does not exist, an interruption after a signal, else fatal.
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

// summary completes the summary with the outcome and writes it: on stderr (a JSON line
// with --log-format json; the dry run's plan line last), and the JSON and Prometheus files
// when asked for, whatever the exit code.
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
	if cfg.LogJSON {
		report.WriteSummaryLine(cfg.Stderr, s)
	} else {
		report.WriteText(cfg.Stderr, s)
		if cfg.DryRun {
			fmt.Fprintln(cfg.Stderr, s.Plan)
		}
	}
	for _, f := range []struct {
		flag, path string
		write      func(string, report.Summary) error
	}{{"--summary-json", cfg.SummaryJSON, report.WriteJSON}, {"--metrics-file", cfg.MetricsFile, report.WritePrometheusFile}} {
		if f.path != "" && !cfg.clobbers(f.path) {
			if werr := f.write(f.path, s); werr != nil {
				r.log.Error("cannot write "+f.flag, zap.String("path", f.path), zap.Error(werr))
			}
		}
	}
	return s
}

// connect builds the run's one HTTP client; nil offline.
func connect(cfg Config) (*authentik.Client, error) {
	if cfg.URL == "" {
		return nil, nil
	}
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

// baseURL is the server as messages and run records name it: no user info, query or fragment.
func baseURL(c *authentik.Client) string {
	if c == nil {
		return ""
	}
	return strings.TrimSuffix(c.BaseURL(), "/api/v3/")
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

// displayName names the input in messages.
func displayName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}
