// Package importer runs an import (Run) or takes one back (Undo): it turns the sources of
// work — the input's rows, the leavers of --deactivate-missing, an earlier run's unfinished
// creates, an import report to undo — into steps of one plan (package plan), has one
// executor carry them out (package execute), and one recorder write the report (package
// record).
package importer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// OnExisting is what to do when the username already exists in authentik.
type OnExisting = plan.OnExisting

// The --on-existing choices.
const (
	OnExistingFail   = plan.OnExistingFail
	OnExistingSkip   = plan.OnExistingSkip
	OnExistingUpdate = plan.OnExistingUpdate
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

// DeactivateLimit is --max-deactivate: a count, or a percentage of the active users in scope.
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

// Allowed is how many deactivations the limit allows out of inScope active users; a
// percentage rounds up, so 5% of a team of 10 still allows one leaver.
func (l DeactivateLimit) Allowed(inScope int) int {
	if l.Percent {
		return int(math.Ceil(l.Value*float64(inScope)/100 - 1e-9)) // 8.8% of 375 is 33, not 34

	}
	return int(l.Value)
}

func (l DeactivateLimit) String() string {
	s := strconv.FormatFloat(l.Value, 'f', -1, 64)
	if l.Percent {
		return s + "%"
	}
	return s
}

// Config is everything one run needs: the command line's flags and environment, and the
// dependencies (streams, logger, HTTP client) that tests swap. Run takes it by value and
// never changes it after validating it.
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

	ReportPath   string        // "-" = Stdout
	ReportFormat report.Format // "" = from ReportPath's extension
	Concurrency  int
	// ConcurrencyAuto is --concurrency auto: an adaptive limit (package importer/limit)
	// keeps between 1 and MaxConcurrency requests in flight.
	ConcurrencyAuto bool
	MaxConcurrency  int
	Rate            float64 // requests/s over all workers; 0 = no limit
	Burst           int
	Timeout         time.Duration // per HTTP request
	Retries         int           // retries of a transient failure

	DryRun      bool
	OnExisting  OnExisting
	ResumeFrom  string // an earlier report
	MappingFile string
	MaxErrors   int // 0 = no limit

	Lookup     LookupMode
	Reactivate bool       // with --on-existing update: set listed, inactive users active
	GroupsMode GroupsMode // replace a listed user's groups, or only add the row's

	DeactivateMissing bool
	ScopePath         string
	MaxDeactivate     DeactivateLimit
	AllowSuperusers   bool // --deactivate-missing may deactivate superusers

	// SendRecoveryEmail is an e-mail stage's UUID or name: authentik e-mails each created
	// user a recovery link (F-R1).
	SendRecoveryEmail string
	// StartupWait bounds the wait for an authentik that is starting (F-S1); 0 = DefaultStartupWait.
	StartupWait time.Duration

	SummaryJSON      string
	MetricsFile      string
	LogJSON          bool   // --log-format json: the summary on stderr is a JSON line too
	Progress         string // auto, always, never
	ProgressInterval time.Duration

	Logger     *zap.Logger
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	IsTerminal bool         // stderr is a terminal (progress bar in auto mode)
	HTTPClient *http.Client // optional; tests inject one
	Backoff    authentik.Backoff
	// Abort, when closed, cancels the requests still in flight after a stop (a second signal).
	Abort <-chan struct{}
	// DrainTimeout bounds how long requests in flight may finish after a stop; 0 = Timeout.
	DrainTimeout time.Duration
	Version      string // goes into the User-Agent
}

// DefaultStartupWait is how long the preflight waits for an authentik that is starting.
const DefaultStartupWait = 2 * time.Minute

// DefaultMaxConcurrency is --max-concurrency, the bound of --concurrency auto.
const DefaultMaxConcurrency = 64

// Defaults returns the contract's defaults.
func Defaults() Config {
	return Config{ReportPath: "akimport-report.csv", Concurrency: 8, MaxConcurrency: DefaultMaxConcurrency, Rate: 10,
		Burst: 1, Timeout: 30 * time.Second, Retries: 5, OnExisting: OnExistingFail, Lookup: LookupAuto,
		GroupsMode: GroupsReplace, MaxDeactivate: DeactivateLimit{Value: 5, Percent: true}, Progress: "auto",
		ProgressInterval: 10 * time.Second}
}

// Validate checks the combination of settings; every error is a *UsageError (exit 2).
func (c Config) Validate() error {
	_, err := c.validated()
	return err
}

// validated is c checked, with derived defaults filled in.
func (c Config) validated() (Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Input == "" {
		bad("no input file: give a CSV or JSONL file, or - for standard input")
	}
	if c.Input == "-" && c.Format == "" {
		bad("reading standard input needs --format csv, jsonl or xlsx")
	}
	if c.URL == "" && !c.DryRun {
		bad("no authentik URL: set --url or AUTHENTIK_URL (or use --dry-run to only check the file)")
	}
	if c.URL != "" && c.Token == "" {
		bad("no API token: set AUTHENTIK_TOKEN or --token-file (a token of a user allowed to create users)")
	}
	if c.ConcurrencyAuto {
		if c.MaxConcurrency == 0 {
			c.MaxConcurrency = DefaultMaxConcurrency
		}
		if c.MaxConcurrency < 1 {
			bad("--max-concurrency %d: want at least 1", c.MaxConcurrency)
		}
		c.Concurrency = c.MaxConcurrency
	}
	for _, n := range []struct {
		flag string
		v    float64
		min  float64
	}{{"--concurrency", float64(c.Concurrency), 1}, {"--burst", float64(c.Burst), 1}, {"--rate", c.Rate, 0},
		{"--retries", float64(c.Retries), 0}, {"--max-errors", float64(c.MaxErrors), 0}} {
		if n.v < n.min {
			bad("%s %v: want %v or more", n.flag, n.v, n.min)
		}
	}
	if c.Timeout <= 0 {
		bad("--timeout %v: want a positive duration like 30s", c.Timeout)
	}
	choose := func(flag string, v *string, def string, allowed ...string) {
		if *v == "" {
			*v = def
		} else if !contains(allowed, *v) {
			bad("%s %q: want %s", flag, *v, strings.Join(allowed, ", "))
		}
	}
	if c.Format != "" {
		f, err := mapping.ParseFormat(string(c.Format))
		if err != nil {
			bad("--format: %v", err)
		}
		c.Format = f
	}
	if c.Encoding != "" {
		enc, err := mapping.ParseEncoding(c.Encoding)
		if err != nil {
			bad("--encoding: %v", err)
		}
		c.Encoding = enc
	}
	choose("--on-existing", (*string)(&c.OnExisting), string(OnExistingFail), "fail", "skip", "update")
	choose("--lookup", (*string)(&c.Lookup), string(LookupAuto), "auto", "snapshot", "per-row")
	choose("--groups-mode", (*string)(&c.GroupsMode), string(GroupsReplace), "replace", "add")
	choose("--progress", &c.Progress, "auto", "auto", "always", "never")
	choose("--report-format", (*string)(&c.ReportFormat), "", string(report.FormatCSV), string(report.FormatJSONL))
	if c.Reactivate && c.OnExisting != OnExistingUpdate {
		bad("--reactivate needs --on-existing update: it is part of updating the users the file lists")
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
			bad("--deactivate-missing cannot read standard input: it reads the file twice (once to check every username before changing anything)")
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
	if c.DryRun && c.ResumeFrom != "" && samePath(c.ResumeFrom, c.ReportPath) {
		bad("--dry-run --resume %s: the dry run would write its report over the report it resumes, and a dry run changes nothing; give it --report another path (or - for standard output)", c.ResumeFrom)
	}
	if c.Input != "-" {
		for _, out := range []struct{ flag, path string }{{"--report", c.ReportPath}, {"--summary-json", c.SummaryJSON}, {"--metrics-file", c.MetricsFile}} {
			if out.path != "" && out.path != "-" && samePath(c.Input, out.path) {
				bad("%s %s is the input file: writing it would destroy the input; choose another path", out.flag, out.path)
			}
		}
	}
	for _, out := range []struct{ flag, path string }{{"--summary-json", c.SummaryJSON}, {"--metrics-file", c.MetricsFile}} {
		switch {
		case out.path == "", c.Input != "-" && samePath(out.path, c.Input): // the input: said above
		case c.clobbers(out.path):
			bad("%s %s is the report, the mapping file or the report resumed: writing it would destroy that file; choose another path", out.flag, out.path)
		case !writable(out.path):
			bad("%s %s cannot be written (does its directory exist, and may this user write there?)", out.flag, out.path)
		}
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = 10 * time.Second
	}
	c.fillDependencies()
	if len(errs) > 0 {
		return c, &UsageError{Err: errors.Join(errs...)}
	}
	return c, nil
}

// fillDependencies defaults what talking to authentik needs; import and undo share it.
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

// clobbers reports whether writing path would destroy a file the run reads or its report.
func (c Config) clobbers(path string) bool {
	for _, f := range []string{c.Input, c.ReportPath, c.MappingFile, c.ResumeFrom} {
		if f != "" && f != "-" && samePath(path, f) {
			return true
		}
	}
	return false
}

// writable reports whether path can be written, changing nothing: an existing file is
// opened without truncation, a new one created and removed again.
func writable(path string) bool {
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		return f.Close() == nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return os.Remove(path) == nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
