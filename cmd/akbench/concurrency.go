package main

import (
	"context"
	"fmt"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// The goals of issue 12: --concurrency auto against fixed settings, on a server whose
// capacity changes under the run and on a steady one.
const (
	autoRows        = 3000
	autoLatency     = 20 * time.Millisecond
	autoSchedule    = "0s:16,8s:4"
	autoMidSchedule = "0s:16,2s:4" // the fall comes while the run goes on
	autoSteady      = 8
	autoRateGoal    = 0.85 // of fixed 64's rows/s, on autoSchedule
	autoWaitGoal    = 0.5  // of fixed 64's p95 queue wait, on autoSchedule
	autoSteadyGoal  = 0.9  // of the best fixed setting's rows/s, at capacity autoSteady
)

// concurrencyRun is one import against a fresh simulator: akimport's rows/s and the queue
// waits the simulator saw.
type concurrencyRun struct {
	setting string
	rowsPS  float64
	wait    authentiktest.QueueWait
	limit   string // what auto settled on
}

// concurrency compares --concurrency 8, 64 and auto on a changing and a steady server.
func (b *bench) concurrency(ctx context.Context) error {
	n := autoRows
	if b.opts.quick {
		n = 1000
	}
	input := b.path("concurrency.csv")
	if err := writeCSV(input, n); err != nil {
		return err
	}
	scenarios := []struct {
		name     string
		capacity int
		schedule string
	}{
		{"capacity schedule " + autoSchedule, 16, autoSchedule},
		{"steady capacity 8", autoSteady, ""},
		{"capacity schedule " + autoMidSchedule, 16, autoMidSchedule},
	}
	for i, sc := range scenarios {
		b.step("concurrency: %d rows, %s latency, %s: --concurrency 8, 64, auto (--rate 0)", n, autoLatency, sc.name)
		var runs []concurrencyRun
		for _, setting := range []string{"8", "64", "auto"} {
			run, err := b.concurrencyRun(ctx, fmt.Sprintf("concurrency-%d-%s", i, setting), input, n, sc.capacity, sc.schedule, setting)
			if err != nil {
				return err
			}
			fmt.Fprintf(b.out, "   --concurrency %-4s %4.0f rows/s, queue wait p50 %s p95 %s max %s  %s\n", setting, run.rowsPS,
				msText(run.wait.P50), msText(run.wait.P95), msText(run.wait.Max), run.limit)
			runs = append(runs, run)
		}
		fixed8, fixed64, auto := runs[0], runs[1], runs[2]
		for _, r := range runs {
			b.res.add(figure{
				name:  fmt.Sprintf("%s%s, --concurrency %s", indent(r.setting != "8"), sc.name, r.setting),
				value: fmt.Sprintf("%.0f rows/s, p95 wait %s", r.rowsPS, msText(r.wait.P95)),
				ratio: r.limit,
			})
		}
		switch i {
		case 0:
			rate := auto.rowsPS / fixed64.rowsPS
			b.res.add(figure{
				name:    "  auto / fixed 64: rows/s",
				value:   fmt.Sprintf("%.3f", rate),
				goal:    fmt.Sprintf("≥ %.2f", autoRateGoal),
				ratio:   fmt.Sprintf("%.3f", rate),
				verdict: judge(rate >= autoRateGoal),
			})
			wait := waitRatio(auto.wait.P95, fixed64.wait.P95)
			b.res.add(figure{
				name:    "  auto / fixed 64: p95 queue wait",
				value:   fmt.Sprintf("%.3f", wait),
				goal:    fmt.Sprintf("≤ %.2f", autoWaitGoal),
				ratio:   fmt.Sprintf("%.3f", wait),
				verdict: judge(wait <= autoWaitGoal),
			})
		case 1:
			best := max(fixed8.rowsPS, fixed64.rowsPS)
			rate := auto.rowsPS / best
			b.res.add(figure{
				name:    "  auto / best fixed: rows/s",
				value:   fmt.Sprintf("%.3f", rate),
				goal:    fmt.Sprintf("≥ %.2f", autoSteadyGoal),
				ratio:   fmt.Sprintf("%.3f", rate),
				verdict: judge(rate >= autoSteadyGoal),
			})
		}
	}
	b.res.note("Concurrency: each run imports the same %d rows into a fresh simulator (%s latency; \"capacity schedule 0s:16,8s:4\" serves 16 requests at once from the first request, 4 from 8 s on; the others queue). rows/s is akimport's --summary-json rows_per_second; the queue wait is the simulator's (arrival → a worker takes the request; p95 within 5%%). \"limit\" is what --concurrency auto settled on and the range it moved in after its ramp-up. At %s latency, 3 000 rows finish before 8 s at capacity 16, so the third schedule moves the fall to 2 s to show the limit following it.", n, autoLatency, autoLatency)
	return nil
}

// concurrencyRun imports input with --concurrency setting against a fresh simulator.
func (b *bench) concurrencyRun(ctx context.Context, name, input string, n, capacity int, schedule, setting string) (concurrencyRun, error) {
	opts := authentiktest.Options{Token: benchToken, Latency: autoLatency, Capacity: capacity, Seed: 1}
	if schedule != "" {
		steps, err := authentiktest.ParseCapacitySchedule(schedule)
		if err != nil {
			return concurrencyRun{}, err
		}
		opts.CapacitySchedule = steps
	}
	srv, err := authentiktest.ListenWrapped("127.0.0.1:0", opts, nil)
	if err != nil {
		return concurrencyRun{}, err
	}
	defer srv.Close()
	run, err := b.runImport(ctx, name, srv.URL(), input, int64(n), "--concurrency", setting, "--rate", "0")
	if err != nil {
		return concurrencyRun{}, err
	}
	out := concurrencyRun{setting: setting, rowsPS: run.summary.RowsPerSecond, wait: srv.Stats().QueueWait}
	if c := run.summary.Concurrency; c != nil {
		out.limit = fmt.Sprintf("limit %d (%d-%d)", c.Limit, c.MinSeen, c.MaxSeen)
	}
	return out, nil
}

// waitRatio is a / b, where a zero wait against a zero wait is 0 (no worse).
func waitRatio(a, b time.Duration) float64 {
	if b == 0 {
		if a == 0 {
			return 0
		}
		return 1e9
	}
	return float64(a) / float64(b)
}

func msText(d time.Duration) string { return fmt.Sprintf("%.1fms", ms(d)) }

func indent(sub bool) string {
	if sub {
		return "  "
	}
	return ""
}
