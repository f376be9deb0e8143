package main

import (
	"slices"
	"time"
)

// achievedRate is the rate at which requests arrived: the intervals between the first and
// the last arrival, per second. It needs at least two arrivals.
func achievedRate(arrivals []time.Time) float64 {
	if len(arrivals) < 2 {
		return 0
	}
	first, last := span(arrivals)
	return float64(len(arrivals)-1) / last.Sub(first).Seconds()
}

// busiestWindow is the most arrivals in any closed window [t, t+width] that starts at an
// arrival: the figure a token bucket of rate r and burst b bounds by r·width + b.
func busiestWindow(arrivals []time.Time, width time.Duration) int {
	sorted := slices.Clone(arrivals)
	slices.SortFunc(sorted, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range sorted {
		for j < len(sorted) && sorted[j].Sub(sorted[i]) <= width {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// span is the earliest and the latest of times (not empty).
func span(times []time.Time) (first, last time.Time) {
	first, last = times[0], times[0]
	for _, t := range times[1:] {
		if t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}
