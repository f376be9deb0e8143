package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// errHelp is returned when --help was asked for; the usage has been printed.
var errHelp = errors.New("help requested")

// config is the command line.
type config struct {
	listen        string
	token         string
	readOnlyToken string
	groupsFile    string
	usersFile     string
	latency       time.Duration
	jitter        time.Duration
	capacity      int
	schedule      string
	seed          int64
	fail503       float64
	fail504       float64
	fail429       float64
	retryAfter    time.Duration
	fail500       float64
	lostAnswer    float64
	faultRoutes   string
	verbose       bool
	version       string
	startingFor   time.Duration
	emailStages   string
	noRecovery    bool
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("aksim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "loopback `host:port` to listen on (port 0 picks a free one)")
	fs.StringVar(&c.token, "token", "", "the API `token` (default $AUTHENTIK_TOKEN)")
	fs.StringVar(&c.readOnlyToken, "read-only-token", "", "a valid `token` without permission (answers 403)")
	fs.StringVar(&c.groupsFile, "groups", "", "JSON `file`: an array of {\"pk\",\"name\",\"is_superuser\",\"attributes\"}")
	fs.StringVar(&c.usersFile, "users", "", "JSON `file`: an array of users to seed (authentik's user fields, plus \"password\")")
	fs.DurationVar(&c.latency, "latency", 0, "time each request takes once served")
	fs.DurationVar(&c.jitter, "jitter", 0, "latency spread: latency±jitter")
	fs.IntVar(&c.capacity, "capacity", 8, "requests served at once; others queue (0 = no limit)")
	fs.StringVar(&c.schedule, "capacity-schedule", "", "change the capacity during the run, counted from the first request: `TIME:N,...` like \"0s:16,10s:4\" (before the first step, --capacity applies)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of every random choice, to replay a run")
	fs.Float64Var(&c.fail503, "fail-503", 0, "probability of a 503 without acting")
	fs.Float64Var(&c.fail504, "fail-504", 0, "probability of a 504 without acting")
	fs.Float64Var(&c.fail429, "fail-429", 0, "probability of a 429 with Retry-After, without acting")
	fs.DurationVar(&c.retryAfter, "retry-after", time.Second, "Retry-After of 429 answers")
	fs.Float64Var(&c.fail500, "fail-500", 0, "probability of a 500 without acting")
	fs.Float64Var(&c.lostAnswer, "lost-answer", 0, "probability that a create happens but its answer is lost")
	fs.StringVar(&c.faultRoutes, "fault-routes", authentiktest.RouteCreateUser, "comma-separated routes faults apply to, e.g. \"POST /core/users/,GET /core/users/\"")
	fs.BoolVar(&c.verbose, "verbose", false, "log every request to stderr")
	fs.StringVar(&c.version, "version", authentiktest.DefaultVersion, "the authentik `release` to behave as (set_password_hash since 2026.5, recovery_email's JSON body since 2026.2, 503 while starting since 2026.8)")
	fs.DurationVar(&c.startingFor, "starting", 0, "answer \"authentik starting\" for this long after start")
	fs.StringVar(&c.emailStages, "email-stages", "default-recovery-email", "comma-separated `names` of e-mail stages (their UUIDs are derived from the names and logged)")
	fs.BoolVar(&c.noRecovery, "no-recovery-flow", false, "recovery_email answers \"No recovery flow set.\"")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.token == "" {
		c.token = getenv("AUTHENTIK_TOKEN")
	}
	if c.token == "" {
		return c, errors.New("no token: pass --token or set AUTHENTIK_TOKEN")
	}
	return c, nil
}

// options turns the command line into the simulator's options, reading the seed files.
func (c config) options() (authentiktest.Options, error) {
	opts := authentiktest.Options{
		Token:         c.token,
		Latency:       c.latency,
		LatencyJitter: c.jitter,
		Capacity:      c.capacity,
		Seed:          c.seed,
		Faults: authentiktest.Faults{
			ServiceUnavailable: c.fail503,
			GatewayTimeout:     c.fail504,
			TooManyRequests:    c.fail429,
			ServerError:        c.fail500,
			LostAnswer:         c.lostAnswer,
			RetryAfter:         c.retryAfter,
			Routes:             splitRoutes(c.faultRoutes),
		},
	}
	if c.schedule != "" {
		steps, err := authentiktest.ParseCapacitySchedule(c.schedule)
		if err != nil {
			return opts, fmt.Errorf("--capacity-schedule: %w", err)
		}
		opts.CapacitySchedule = steps
	}
	if c.readOnlyToken != "" {
		opts.ReadOnlyTokens = []string{c.readOnlyToken}
	}
	opts.Version, opts.StartingFor, opts.NoRecoveryFlow = c.version, c.startingFor, c.noRecovery
	for _, name := range splitRoutes(c.emailStages) {
		opts.EmailStages = append(opts.EmailStages, authentiktest.EmailStage{PK: authentiktest.NameUUID(name), Name: name})
	}
	if c.groupsFile != "" {
		if err := readJSONFile(c.groupsFile, &opts.Groups); err != nil {
			return opts, err
		}
	}
	if c.usersFile != "" {
		users, err := readSeedUsers(c.usersFile)
		if err != nil {
			return opts, err
		}
		opts.Users = users
	}
	return opts, nil
}

func splitRoutes(s string) []string {
	routes := []string{}
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			routes = append(routes, r)
		}
	}
	return routes
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s is not the expected JSON array: %w", path, err)
	}
	return nil
}

// readSeedUsers reads an array of users; a user without "is_active" is active, as a
// created one would be.
func readSeedUsers(path string) ([]authentiktest.SeedUser, error) {
	var raw []json.RawMessage
	if err := readJSONFile(path, &raw); err != nil {
		return nil, err
	}
	users := make([]authentiktest.SeedUser, 0, len(raw))
	for i, r := range raw {
		u := authentiktest.SeedUser{User: authentik.User{IsActive: true}}
		if err := json.Unmarshal(r, &u); err != nil {
			return nil, fmt.Errorf("%s: user %d: %w", path, i+1, err)
		}
		users = append(users, u)
	}
	return users, nil
}
