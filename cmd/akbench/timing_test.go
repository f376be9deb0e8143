package main

import (
	"os"
	"testing"
	"time"
)

func TestBusiestWindow(t *testing.T) {
	at := func(ms ...int) []time.Time {
		t.Helper()
		base := time.Unix(1_700_000_000, 0)
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = base.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	every := func(step, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i * step
		}
		return out
	}
	tests := []struct {
		name     string
		arrivals []time.Time
		want     int
	}{
		{"empty", nil, 0},
		{"one", at(5), 1},
		{"evenly 20 ms apart: both ends of a closed second", at(every(20, 300)...), 51},
		{"a burst, then spread", at(0, 1, 2, 3, 500, 1500, 2600), 5},
		{"unsorted input", at(1500, 0, 500, 2, 1, 3), 5},
		{"just over a second apart", at(0, 1001, 2002), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := busiestWindow(tc.arrivals, time.Second); got != tc.want {
				t.Errorf("busiestWindow = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAchievedRate(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		arrivals []time.Time
		want     float64
	}{
		{"too few", []time.Time{base}, 0},
		{"51 arrivals over one second", func() []time.Time {
			var out []time.Time
			for i := range 51 {
				out = append(out, base.Add(time.Duration(i)*20*time.Millisecond))
			}
			return out
		}(), 50},
		{"order does not matter", []time.Time{base.Add(time.Second), base, base.Add(500 * time.Millisecond)}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := achievedRate(tc.arrivals); got < tc.want-1e-9 || got > tc.want+1e-9 {
				t.Errorf("achievedRate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadVmHWMOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	got, err := readVmHWM(os.Getpid())
	if err != nil {
		t.Fatalf("readVmHWM: %v", err)
	}
	if got < 1<<20 {
		t.Errorf("readVmHWM = %d bytes, want at least 1 MiB for a running Go test", got)
	}
}
