package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// throughput: 20 ms latency, capacity 64, 32 workers, no rate limit. The ideal is every
// worker always waiting on a request: concurrency / latency rows per second.
func (b *bench) throughput(ctx context.Context) error {
	n := b.sizes.throughput
	b.step("throughput: %d rows, %s latency, capacity %d, --concurrency %d --rate 0", n, throughputLatency, throughputCapacity, throughputConcurrency)
	input := b.path("throughput.csv")
	if err := writeCSV(input, n); err != nil {
		return err
	}
	srv, log, err := startSimulator(throughputLatency, throughputCapacity, true)
	if err != nil {
		return err
	}
	defer srv.Close()
	metricsPath := b.path("throughput.prom")
	run, err := b.runImport(ctx, "throughput", srv.URL(), input, int64(n),
		"--concurrency", fmt.Sprint(throughputConcurrency), "--rate", "0", "--metrics-file", metricsPath)
	if err != nil {
		return err
	}
	ideal := float64(throughputConcurrency) / throughputLatency.Seconds()
	got := run.summary.RowsPerSecond
	b.res.add(figure{
		name:    fmt.Sprintf("throughput, %s latency, %d rows", throughputLatency, n),
		value:   fmt.Sprintf("%.0f rows/s", got),
		goal:    fmt.Sprintf("≥ %.2f × ideal %.0f rows/s", throughputGoal, ideal),
		ratio:   fmt.Sprintf("%.3f", got/ideal),
		verdict: judge(got/ideal >= throughputGoal),
	})
	arrivals, finishes := log.timings()
	if len(arrivals) == 0 {
		return errNoCreates
	}
	first, _ := span(arrivals)
	_, last := span(finishes)
	server := float64(len(arrivals)) / last.Sub(first).Seconds()
	process := float64(n) / run.wall.Seconds()
	b.res.add(rowsPerSecond("  same run, seen by the simulator", server, ideal))
	b.res.add(rowsPerSecond("  same run, whole akimport process", process, ideal))
	serverTime, clientTime := log.turnaround()
	b.res.add(figure{
		name:  "  mean time per create: simulator / client",
		value: fmt.Sprintf("%.2f ms / %.2f ms", ms(serverTime), ms(clientTime)),
		ratio: fmt.Sprintf("%.3f", float64(throughputLatency)/float64(serverTime+clientTime)),
	})
	bare, err := bareCreates(ctx, srv.URL(), n, throughputConcurrency)
	if err != nil {
		return err
	}
	b.res.add(rowsPerSecond("  bare net/http client, same simulator and settings", bare, ideal))
	b.res.add(figure{
		name:  "  akimport / bare net/http client",
		value: fmt.Sprintf("%.3f", got/bare),
		ratio: fmt.Sprintf("%.3f", got/bare),
	})
	b.res.note("Throughput is akimport's own --summary-json rows_per_second: rows / time from the report's start (after the one preflight GET that checks the token, %s here) to the last row. "+
		"\"Seen by the simulator\" is creates / (first create's arrival → last create's answer); \"whole process\" divides by the wall time of the process, start-up and preflight included. "+
		"\"Mean time per create\" splits each create's cycle into the simulator's share (arrival → answer: its %s latency, its own work, timer wake-up) and the client's (answer → the next create on the same connection). "+
		"The bare client (%d goroutines posting fixed JSON with net/http, run inside akbench right after akimport, against the same simulator) is the most any client gets here: the share of the ideal that the simulator and the machine leave.",
		throughputLatency, throughputLatency, throughputConcurrency)
	families, err := parseMetricsFile(metricsPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "metrics: parsed %d families\n", families)
	b.res.add(figure{
		name:    "--metrics-file parses (prometheus/common/expfmt)",
		value:   fmt.Sprintf("%d families", families),
		goal:    "parses",
		verdict: met,
	})
	return nil
}

// throughputNoLatency: the same with an instant server, so the importer's own cost shows.
func (b *bench) throughputNoLatency(ctx context.Context) error {
	n := b.sizes.throughput
	b.step("throughput: %d rows, 0 ms latency, capacity %d, --concurrency %d --rate 0", n, throughputCapacity, throughputConcurrency)
	srv, _, err := startSimulator(0, throughputCapacity, false)
	if err != nil {
		return err
	}
	defer srv.Close()
	run, err := b.runImport(ctx, "nolatency", srv.URL(), b.path("throughput.csv"), int64(n),
		"--concurrency", fmt.Sprint(throughputConcurrency), "--rate", "0")
	if err != nil {
		return err
	}
	perRow := run.cpu / time.Duration(n)
	b.res.add(figure{
		name:  fmt.Sprintf("throughput, 0 ms latency, %d rows", n),
		value: fmt.Sprintf("%.0f rows/s", run.summary.RowsPerSecond),
	})
	b.res.add(figure{
		name:  "  akimport CPU time per row (user+sys)",
		value: fmt.Sprintf("%.1f µs/row", float64(perRow.Nanoseconds())/1e3),
		ratio: fmt.Sprintf("%.2f cores busy", run.cpu.Seconds()/run.wall.Seconds()),
	})
	b.res.note("At 0 ms the simulator shares the 2 cores with akimport (it runs inside akbench), so rows/s is bounded by both; CPU per row is akimport's alone (getrusage of the child), start-up and preflight included.")
	return nil
}

// rateAccuracy: --rate 50 --burst 1; the simulator records when each create arrives.
func (b *bench) rateAccuracy(ctx context.Context) error {
	n := b.sizes.rateRows
	b.step("rate accuracy: %d rows, --rate %g --burst %d", n, limitRate, limitBurst)
	input := b.path("rate.csv")
	if err := writeCSV(input, n); err != nil {
		return err
	}
	srv, log, err := startSimulator(0, throughputCapacity, true)
	if err != nil {
		return err
	}
	defer srv.Close()
	if _, err := b.runImport(ctx, "rate", srv.URL(), input, int64(n),
		"--concurrency", "8", "--rate", fmt.Sprint(limitRate), "--burst", fmt.Sprint(limitBurst)); err != nil {
		return err
	}
	arrivals, _ := log.timings()
	if len(arrivals) < 2 {
		return errNoCreates
	}
	got := achievedRate(arrivals)
	errRatio := got/limitRate - 1
	b.res.add(figure{
		name:    fmt.Sprintf("rate accuracy, --rate %g --burst %d, %d rows", limitRate, limitBurst, n),
		value:   fmt.Sprintf("%.2f req/s", got),
		goal:    fmt.Sprintf("within %.0f%% of %g", rateTolerance*100, limitRate),
		ratio:   fmt.Sprintf("%.4f", got/limitRate),
		verdict: judge(errRatio <= rateTolerance && errRatio >= -rateTolerance),
	})
	busiest := busiestWindow(arrivals, time.Second)
	bound := int(limitRate) + limitBurst
	b.res.add(figure{
		name:    "  busiest 1 s sliding window",
		value:   fmt.Sprintf("%d creates", busiest),
		goal:    fmt.Sprintf("≤ rate + burst = %d", bound),
		ratio:   fmt.Sprintf("%.3f", float64(busiest)/float64(bound)),
		verdict: judge(busiest <= bound),
	})
	b.res.note("Rate is measured from the arrival time of each POST create at the simulator: (creates − 1) / (last arrival − first arrival). The busiest window counts creates in any closed 1 s window [t, t+1 s] starting at an arrival.")
	return nil
}

// memory: peak RSS of a large and a smaller JSONL import against an instant server, the
// bytes each row between them costs, and whether akimport opened any file of its own.
func (b *bench) memory(ctx context.Context) error {
	var rss [2]int64
	var others [2][]string
	rows := []int{b.sizes.bigRSS, b.sizes.smallRSS}
	for i, n := range rows {
		b.step("peak RSS: %d JSONL rows, 0 ms latency, --concurrency %d --rate 0", n, throughputConcurrency)
		name := fmt.Sprintf("memory-%d", n)
		input := b.path(name + ".jsonl")
		if err := writeJSONL(input, n); err != nil {
			return err
		}
		srv, _, err := startSimulator(0, 0, false)
		if err != nil {
			return err
		}
		run, err := b.runImport(ctx, name, srv.URL(), input, int64(n),
			"--concurrency", fmt.Sprint(throughputConcurrency), "--rate", "0")
		srv.Close()
		if err != nil {
			return err
		}
		rss[i] = run.maxRSS
		others[i] = b.filesBesides(run.files, name, input)
		fmt.Fprintf(b.out, "   %d rows in %s (%.0f rows/s), peak RSS %s, files open: %s\n", n, run.wall.Round(time.Millisecond),
			run.summary.RowsPerSecond, mib(run.maxRSS), strings.Join(run.files, " "))
	}
	b.res.add(figure{
		name:    fmt.Sprintf("peak RSS, %d JSONL rows", rows[0]),
		value:   mib(rss[0]),
		goal:    "≤ 64 MiB",
		ratio:   fmt.Sprintf("%.3f", float64(rss[0])/rssGoal),
		verdict: judge(rss[0] <= rssGoal),
	})
	b.res.add(figure{
		name:  fmt.Sprintf("peak RSS, %d JSONL rows", rows[1]),
		value: mib(rss[1]),
	})
	b.res.add(figure{
		name:  fmt.Sprintf("  bytes per row between %d and %d rows", rows[1], rows[0]),
		value: fmt.Sprintf("%.1f B/row", float64(rss[0]-rss[1])/float64(rows[0]-rows[1])),
	})
	extra := append(others[0], others[1]...)
	b.res.add(figure{
		name:    "  files open besides input, report, its lock and sent mark, summary",
		value:   fmt.Sprintf("%d %s", len(extra), strings.Join(extra, ", ")),
		goal:    "none (no temporary file)",
		verdict: judge(len(extra) == 0),
	})
	b.res.note("Peak RSS is the akimport process's VmHWM (/proc/PID/status, polled every 5 ms; not ru_maxrss, which a vfork-started child inherits from akbench): real imports of every row against the simulator, which runs in akbench and so is not counted. Bytes per row is the difference of the two peaks over the difference of the rows: mostly the duplicate set, which grows in steps (each shard by half), so it moves with where each size falls between two steps. Open files are read from /proc/PID/fd every 100 ms during both runs.")
	return nil
}

// filesBesides is files without the ones runImport gave the run name: its input, report,
// the report's lock (one run at a time per report), its sent mark and summary.
func (b *bench) filesBesides(files []string, name, input string) []string {
	var rest []string
	for _, f := range files {
		switch f {
		case input, filepath.Join(b.dir, name+"-report.csv"), filepath.Join(b.dir, name+"-report.csv.lock"), filepath.Join(b.dir, name+"-report.csv.sent"), filepath.Join(b.dir, name+"-summary.json"):
			continue
		}
		rest = append(rest, f)
	}
	return rest
}

// dryRunSpeed: an offline dry run of a large CSV against a bare encoding/csv read of it.
func (b *bench) dryRunSpeed(ctx context.Context) error {
	n := b.sizes.dryRun
	b.step("dry run: %d CSV rows offline, and a bare encoding/csv read of the same file", n)
	input := b.path("dryrun.csv")
	if err := writeCSV(input, n); err != nil {
		return err
	}
	bareRows, bareTook, err := bareCSVRead(input) // also warms the page cache for the dry run
	if err != nil {
		return err
	}
	if bareRows != int64(n) {
		return fmt.Errorf("bare csv read found %d rows, want %d", bareRows, n)
	}
	run, err := b.runImport(ctx, "dryrun", "", input, int64(n), "--dry-run")
	if err != nil {
		return err
	}
	bare := float64(n) / bareTook.Seconds()
	dry := float64(n) / run.wall.Seconds()
	b.res.add(figure{
		name:    fmt.Sprintf("dry run, %d CSV rows (whole process)", n),
		value:   fmt.Sprintf("%.0f rows/s", dry),
		goal:    fmt.Sprintf("≥ %.2f × bare read", dryRunGoal),
		ratio:   fmt.Sprintf("%.3f", dry/bare),
		verdict: judge(dry/bare >= dryRunGoal),
	})
	b.res.add(figure{
		name:  "  bare encoding/csv read of the same file",
		value: fmt.Sprintf("%.0f rows/s", bare),
	})
	b.res.add(figure{
		name:  "  dry run, akimport's own rows_per_second",
		value: fmt.Sprintf("%.0f rows/s", run.summary.RowsPerSecond),
		ratio: fmt.Sprintf("%.3f", run.summary.RowsPerSecond/bare),
	})
	b.res.note("The dry run's rows/s divides by the wall time of the whole akimport process (start-up and writing the %d-row report included); the bare read is csv.NewReader with its defaults over a 64 KiB bufio.Reader, inside akbench, records discarded.", n)
	return b.inputCosts(input, n)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// execOutput runs a command and returns its trimmed standard output.
func execOutput(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	return strings.TrimSpace(string(out)), err
}
