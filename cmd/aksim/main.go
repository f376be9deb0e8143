// Command aksim serves the in-memory authentik users API of package authentiktest on a
// loopback address, for demos, benchmarks and manual tests of akimport.
//
//	aksim --listen 127.0.0.1:9000 --token T --groups samples/groups.json --latency 20ms
//
// It prints "aksim listening on http://ADDR" on stdout once it accepts connections, runs
// until SIGINT or SIGTERM, and then writes its counters as JSON to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // could not start
	exitUsage = 2 // bad flags or files
)

// run starts the simulator from args and serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, getenv, stderr)
	if err != nil {
		if err == errHelp {
			return exitOK
		}
		fmt.Fprintf(stderr, "aksim: %v\n", err)
		return exitUsage
	}
	opts, err := cfg.options()
	if err != nil {
		fmt.Fprintf(stderr, "aksim: %v\n", err)
		return exitUsage
	}
	srv, err := start(cfg, opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "aksim: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "aksim listening on %s\n", srv.URL())
	fmt.Fprintf(stderr, "aksim: behaving as authentik %s\n", opts.Version)
	for _, st := range opts.EmailStages {
		fmt.Fprintf(stderr, "aksim: e-mail stage %q has pk %s\n", st.Name, st.PK)
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "aksim: close: %v\n", err)
	}
	stats, err := json.MarshalIndent(srv.Stats(), "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "aksim: stats: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stderr, "%s\n", stats)
	return exitOK
}
