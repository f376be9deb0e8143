package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sizes are the row counts of a run; --quick shrinks them.
type sizes struct {
	throughput int // rows of the throughput runs
	rateRows   int // rows of the rate accuracy run
	bigRSS     int // rows of the large memory run
	smallRSS   int // rows of the small memory run
	dryRun     int // CSV rows of the dry-run speed run
}

var fullSizes = sizes{throughput: 5000, rateRows: 300, bigRSS: 1_000_000, smallRSS: 200_000, dryRun: 1_000_000}
var quickSizes = sizes{throughput: 1000, rateRows: 100, bigRSS: 100_000, smallRSS: 20_000, dryRun: 100_000}

// The goals of issue 6.
const (
	throughputConcurrency = 32
	throughputLatency     = 20 * time.Millisecond
	throughputCapacity    = 64
	throughputGoal        = 0.95 // of the ideal concurrency / latency
	limitRate             = 50.0
	limitBurst            = 1
	rateTolerance         = 0.02
	rssGoal               = 64 << 20
	dryRunGoal            = 0.33 // of a bare encoding/csv read
)

// measurementNames are the measurements in the order they run (--only picks some).
var measurementNames = []string{"throughput", "nolatency", "rate", "memory", "dryrun", "sync", "concurrency"}

// bench is one run of every measurement, in a temp dir removed at the end.
type bench struct {
	opts  options
	sizes sizes
	dir   string
	out   io.Writer
	res   results
}

func newBench(o options, out io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "akbench-")
	if err != nil {
		return nil, err
	}
	s := fullSizes
	if o.quick {
		s = quickSizes
	}
	return &bench{opts: o, sizes: s, dir: dir, out: out}, nil
}

func (b *bench) cleanup() { os.RemoveAll(b.dir) }

// step announces a measurement, so a long run shows where it is.
func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.out, "== "+format+"\n", args...)
}

func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// runAll runs every measurement in turn and prints the table.
func (b *bench) runAll(ctx context.Context) (*results, error) {
	began := time.Now()
	b.res.header = append(b.res.header, machineLine(), "akimport: "+b.version(ctx))
	fmt.Fprintln(b.out, b.res.header[0])
	if b.opts.quick {
		b.res.header = append(b.res.header, "QUICK RUN: smaller inputs, the goals assume the full sizes")
	}
	measures := map[string]func(context.Context) error{
		"throughput": b.throughput, "nolatency": b.throughputNoLatency, "rate": b.rateAccuracy,
		"memory": b.memory, "dryrun": b.dryRunSpeed, "sync": b.sync, "concurrency": b.concurrency,
	}
	for _, name := range measurementNames {
		if b.opts.only != "" && !slices.Contains(strings.Split(b.opts.only, ","), name) {
			continue
		}
		if err := measures[name](ctx); err != nil {
			return nil, err
		}
	}
	b.res.header = append(b.res.header, fmt.Sprintf("bench took %s", time.Since(began).Round(time.Second)))
	fmt.Fprintf(b.out, "\n%s", b.res.text())
	return &b.res, nil
}

// version asks the binary for its version line.
func (b *bench) version(ctx context.Context) string {
	out, err := execOutput(ctx, b.opts.bin, "version")
	if err != nil {
		return "version unknown: " + err.Error()
	}
	return out
}
