// Package importer runs an import as a plan, then apply pipeline (Run, run.go):
//
//   - preflight.go, server.go: check the URL and token, learn authentik's version, wait out a
//     start-up.
//   - resume.go, journal.go: what an earlier run left (done rows, rows in flight).
//   - snapshot.go, snapshot_read.go, groups.go: who exists, read once (or per row, order.go).
//   - pipeline.go: reader → planner → applier → recorder, under one errgroup.
//   - planner.go, decide.go, observed.go: the plan of a row, a pure decision.
//   - applier.go, aftercreate.go, deactivate.go: the writes, with retries and reconciliation.
//   - pacer.go, pacer_stop.go, adaptive.go: the pace (rate, backoff, --concurrency auto) and
//     the stop.
//   - recorder.go, recorder_open.go: the one owner of the report, the journal and the counts.
//
// undo.go takes an import back (akimport undo).
package importer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// OnExisting is what to do when the username already exists in authentik.
type OnExisting string

// The --on-existing choices.
const (
	OnExistingFail   OnExisting = "fail"
	OnExistingSkip   OnExisting = "skip"
	OnExistingUpdate OnExisting = "update"
)

// GroupsMode is --groups-mode.
type GroupsMode string

// The --groups-mode choices.
const (
	GroupsReplace GroupsMode = "replace"
	GroupsAdd     GroupsMode = "add"
)

// LookupMode is --lookup: how the run learns which users exist.
type LookupMode string

// The --lookup choices.
const (
	LookupAuto     LookupMode = "auto"     // the cheaper of the two, from the first page's count
	LookupSnapshot LookupMode = "snapshot" // read the users (or the scope) once, 100 a page
	LookupPerRow   LookupMode = "per-row"  // look each row up when it is met
)

// DeactivateLimit is --max-deactivate: an absolute count, or a percentage of the active users
// in scope when Percent is true.
type DeactivateLimit struct {
	Value   float64
	Percent bool
}

// ParseDeactivateLimit reads "N" or "P%".
func ParseDeactivateLimit(s string) (DeactivateLimit, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || v < 0 || (pct && v > 100) {
		return DeactivateLimit{}, fmt.Errorf("--max-deactivate %q: want a count like 20 or a percentage like 5%%", s)
	}
	return DeactivateLimit{Value: v, Percent: pct}, nil
}

// Allowed is how many deactivations the limit allows out of inScope active users. A
// percentage rounds up, so 5% of a team of 10 still allows one leaver.
func (l DeactivateLimit) Allowed(inScope int) int {
	if l.Percent {
		return int(math.Ceil(l.Value * float64(inScope) / 100))
	}
	return int(l.Value)
}

func (l DeactivateLimit) String() string {
	if l.Percent {
		return strconv.FormatFloat(l.Value, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(l.Value, 'f', -1, 64)
}

// Config is everything one run needs: the command line's flags and environment, plus the
// dependencies (streams, logger, HTTP client) that tests swap.
type Config struct {
	Input  string         // a file path, or "-" for Stdin
	Format mapping.Format // "" = from Input's extension
	// Delimiter is --delimiter (0 = detected from the CSV header), Encoding --encoding
	// ("" = UTF-8), Sheet --sheet (an .xlsx input's sheet; "" = the first).
	Delimiter rune
	Encoding  string
	Sheet     string

	URL      string // authentik base URL; "" = offline (only valid with DryRun)
	Token    string // API token; never logged
	Insecure bool

	ReportPath string // "-" = Stdout
	// ReportFormat overrides the format ReportPath's extension gives ("" = from it).
	ReportFormat report.Format
	Concurrency  int
	Rate         float64 // requests/s over all workers; 0 = no limit
	Burst        int
	Timeout      time.Duration // per HTTP request
	Retries      int           // retries of a transient failure

	// ConcurrencyAuto is --concurrency auto: an adaptive limit (package importer/limit)
	// finds how many requests the server takes at once, from 1 to MaxConcurrency
	// (--max-concurrency). Validate then sets Concurrency, the number of workers, to
	// MaxConcurrency, and the limit keeps fewer of them sending.
	ConcurrencyAuto bool
	MaxConcurrency  int

	DryRun      bool
	OnExisting  OnExisting
	ResumeFrom  string // an earlier report
	MappingFile string
	MaxErrors   int // 0 = no limit

	Lookup     LookupMode
	Reactivate bool // with --on-existing update: set listed, inactive users active
	// GroupsMode is --groups-mode: replace a listed user's groups with the row's, or only
	// add the row's groups and never remove a membership.
	GroupsMode GroupsMode
	// AllowSuperusers lets --deactivate-missing deactivate superusers.
	AllowSuperusers bool

	DeactivateMissing bool
	ScopePath         string
	MaxDeactivate     DeactivateLimit

	// SendRecoveryEmail is --send-recovery-email: an e-mail stage's UUID or name. After a
	// row's user is created, authentik e-mails it a recovery link (F-R1).
	SendRecoveryEmail string
	// StartupWait bounds how long the preflight waits for an authentik that is starting or
	// whose backend is down (F-S1); zero means DefaultStartupWait.
	StartupWait time.Duration

	SummaryJSON string
	MetricsFile string
	// LogJSON is --log-format json: the summary on stderr is a JSON line too.
	LogJSON          bool
	Progress         string // auto, always, never
	ProgressInterval time.Duration

	// Dependencies.
	Logger     *zap.Logger
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	IsTerminal bool         // stderr is a terminal (progress bar in auto mode)
	HTTPClient *http.Client // optional; tests inject one
	// Backoff between retries; zero means authentik.DefaultBackoff.
	Backoff authentik.Backoff
	// Abort, when closed, cancels the requests still in flight after a stop (the CLI closes
	// it on a second SIGINT/SIGTERM); the rows they belonged to are reported failed.
	Abort <-chan struct{}
	// DrainTimeout bounds how long in-flight requests may finish after a stop (signal,
	// --max-errors, fatal error); zero means Timeout.
	DrainTimeout time.Duration
	// Version goes into the User-Agent.
	Version string

	// createFirstOnly turns off the adaptive request order (see requestOrder); tests use
	// it to measure the plain create-first order.
	createFirstOnly bool
}

// Defaults returns the contract's defaults.
func Defaults() Config {
	return Config{
		ReportPath:       "akimport-report.csv",
		Concurrency:      8,
		MaxConcurrency:   DefaultMaxConcurrency,
		Rate:             10,
		Burst:            1,
		Timeout:          30 * time.Second,
		Retries:          5,
		OnExisting:       OnExistingFail,
		Lookup:           LookupAuto,
		MaxDeactivate:    DeactivateLimit{Value: 5, Percent: true},
		Progress:         "auto",
		ProgressInterval: 10 * time.Second,
	}
}

// Validate checks the combination of settings and fills derived defaults. Every error is a
// *UsageError (exit 2).
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Input == "" {
		bad("no input file: give a CSV or JSONL file, or - for standard input")
	}
	if c.Input == "-" && c.Format == "" {
		bad("reading standard input needs --format csv or --format jsonl")
	}
	if c.Format != "" && c.Format != mapping.FormatCSV && c.Format != mapping.FormatJSONL {
		bad("--format %q: want csv or jsonl", c.Format)
	}
	if c.URL == "" && !c.DryRun {
		bad("no authentik URL: set --url or AUTHENTIK_URL (or use --dry-run to only check the file)")
	}
	if c.URL != "" && c.Token == "" {
		bad("no API token: set AUTHENTIK_TOKEN or --token-file (a token of a user allowed to create users)")
	}
	errs = append(errs, c.validateConcurrencyAuto()...)
	if c.Concurrency < 1 {
		bad("--concurrency %d: want at least 1", c.Concurrency)
	}
	if c.Rate < 0 {
		bad("--rate %v: want 0 (no limit) or more", c.Rate)
	}
	if c.Burst < 1 {
		bad("--burst %d: want at least 1", c.Burst)
	}
	if c.Timeout <= 0 {
		bad("--timeout %v: want a positive duration like 30s", c.Timeout)
	}
	if c.Retries < 0 {
		bad("--retries %d: want 0 or more", c.Retries)
	}
	if c.MaxErrors < 0 {
		bad("--max-errors %d: want 0 (no limit) or more", c.MaxErrors)
	}
	switch c.OnExisting {
	case OnExistingFail, OnExistingSkip, OnExistingUpdate:
	case "":
		c.OnExisting = OnExistingFail
	default:
		bad("--on-existing %q: want fail, skip or update", c.OnExisting)
	}
	switch c.Lookup {
	case LookupAuto, LookupSnapshot, LookupPerRow:
	case "":
		c.Lookup = LookupAuto
	default:
		bad("--lookup %q: want auto, snapshot or per-row", c.Lookup)
	}
	if c.Reactivate && c.OnExisting != OnExistingUpdate {
		bad("--reactivate needs --on-existing update: it is part of updating the users the file lists")
	}
	switch c.Progress {
	case "auto", "always", "never":
	case "":
		c.Progress = "auto"
	default:
		bad("--progress %q: want auto, always or never", c.Progress)
	}
	if c.DeactivateMissing {
		if c.ScopePath == "" {
			bad("--deactivate-missing needs --scope-path: the authentik path whose users it may deactivate")
		} else if strings.HasPrefix(c.ScopePath, "/") || strings.HasSuffix(c.ScopePath, "/") {
			bad("--scope-path %q: no leading or trailing slashes (authentik paths look like users/staff)", c.ScopePath)
		}
		if c.URL == "" {
			bad("--deactivate-missing needs --url: it compares the file with the users in authentik")
		}
		if c.Input == "-" {
			bad("--deactivate-missing cannot read standard input: it reads the file twice (once to check the safety limit before changing anything)")
		}
	} else if c.ScopePath != "" {
		bad("--scope-path is only used with --deactivate-missing")
	}
	if c.ResumeFrom != "" && c.Input == "-" {
		bad("--resume cannot be used with standard input: the input's fingerprint must be checked against the report")
	}
	if c.ReportPath == "" {
		c.ReportPath = "akimport-report.csv"
	}
	switch c.ReportFormat {
	case "", report.FormatCSV, report.FormatJSONL:
	default:
		bad("--report-format %q: want csv or jsonl", c.ReportFormat)
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = 10 * time.Second
	}
	c.fillDependencies()
	if len(errs) > 0 {
		return &UsageError{Err: errors.Join(errs...)}
	}
	return nil
}

// fillDependencies gives what talking to authentik needs a default when it is not set: the
// start-up wait, the drain after a stop, a logger and the streams. Import and undo share it.
func (c *Config) fillDependencies() {
	if c.StartupWait <= 0 {
		c.StartupWait = DefaultStartupWait
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = c.Timeout
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Stderr == nil {
		c.Stderr = io.Discard
	}
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
}
