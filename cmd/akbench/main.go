// Command akbench measures akimport against the in-process authentik simulator and prints
// each figure with its goal, the ratio to it, and whether it is met (make bench).
//
// It builds nothing: it runs an already built akimport binary (bin/akimport, built by
// make bench) as a subprocess, so the CPU time and peak RSS it reports are the importer's
// own and not the simulator's, which runs inside akbench on 127.0.0.1.
//
//	akbench [--quick] [--out FILE] [--bin bin/akimport]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line.
type options struct {
	quick bool   // smaller inputs, for development: figures are indicative only
	out   string // also write the markdown table here
	bin   string // the akimport binary to measure
	only  string // comma-separated measurement names; "" = all
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("akbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.quick, "quick", false, "smaller inputs (a quick check while developing; the goals assume the full sizes)")
	fs.StringVar(&o.out, "out", "", "also write the results as a markdown table to this `file`")
	fs.StringVar(&o.bin, "bin", "bin/akimport", "the akimport `binary` to measure (make bench builds it)")
	fs.StringVar(&o.only, "only", "", "run only these comma-separated `measurements`: "+strings.Join(measurementNames, ","))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "akbench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	for _, name := range strings.Split(o.only, ",") {
		if name != "" && !slices.Contains(measurementNames, name) {
			fmt.Fprintf(stderr, "akbench: --only %q: want some of %s\n", name, strings.Join(measurementNames, ","))
			return 2
		}
	}
	if _, err := os.Stat(o.bin); err != nil {
		fmt.Fprintf(stderr, "akbench: %v (run make build first, or pass --bin)\n", err)
		return 2
	}
	b, err := newBench(o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "akbench: %v\n", err)
		return 1
	}
	defer b.cleanup()
	results, err := b.runAll(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "akbench: %v\n", err)
		return 1
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(results.markdown()), 0o644); err != nil {
			fmt.Fprintf(stderr, "akbench: write %s: %v\n", o.out, err)
			return 1
		}
		fmt.Fprintf(stdout, "\nmarkdown table written to %s\n", o.out)
	}
	return 0
}
