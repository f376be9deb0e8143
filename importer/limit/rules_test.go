package limit

import (
	"math"
	"testing"
)

func TestNext(t *testing.T) {
	r := DefaultRules(64)
	tests := []struct {
		name          string
		limit         float64
		slowStart     bool
		w             Window
		want          float64
		wantSlowStart bool
		wantWhy       Reason
	}{
		{"slow start doubles while latency stays at the lowest", 4, true, Window{Samples: 3, Latency: 1, InFlight: 4}, 8, true, GrowSlowStart},
		{"slow start doubles with a queue below alpha", 16, true, Window{Samples: 8, Latency: 1.1, InFlight: 16}, 32, true, GrowSlowStart},
		{"slow start stops at max", 40, true, Window{Samples: 20, Latency: 1, InFlight: 40}, 64, true, GrowSlowStart},
		{"after slow start, one more per window", 10, false, Window{Samples: 5, Latency: 1.05, InFlight: 10}, 11, false, Grow},
		{"grows up to max only", 64, false, Window{Samples: 32, Latency: 1, InFlight: 64}, 64, false, Grow},
		{"a queue between alpha and beta holds, and ends slow start", 20, true, Window{Samples: 10, Latency: 1.25, InFlight: 20}, 20, false, Hold},
		{"no growth when the limit is not used", 20, false, Window{Samples: 10, Latency: 1, InFlight: 6}, 20, false, HoldUnused},
		{"no growth in slow start either, and slow start goes on", 8, true, Window{Samples: 4, Latency: 1, InFlight: 3}, 8, true, HoldUnused},
		// 32 in flight at 2x the lowest latency: the server served 16 at once; keep alpha more.
		{"rising latency shrinks to what the server served plus alpha", 32, false, Window{Samples: 16, Latency: 2, InFlight: 32}, 16 + alpha(16), false, ShrinkLatency},
		// Capacity fell from 16 to 4: 16 in flight take 4x as long; never below half at once.
		{"a sudden slowdown halves at most", 16, false, Window{Samples: 8, Latency: 4, InFlight: 16}, 8, false, ShrinkLatency},
		{"shrinking ends slow start", 32, true, Window{Samples: 16, Latency: 3, InFlight: 32}, 16, false, ShrinkLatency},
		{"shrinks even when the limit is not used", 32, false, Window{Samples: 16, Latency: 5, InFlight: 12}, 16, false, ShrinkLatency},
		// At 2 in flight a queue above beta cannot form: latency alone says the server is slow.
		{"a small limit shrinks on latency alone", 2, false, Window{Samples: 3, Latency: 50, InFlight: 2}, 2.0/50 + 1, false, ShrinkLatency},
		{"latency just under maxLatency at a small limit holds", 2, false, Window{Samples: 3, Latency: 2.9, InFlight: 2}, 2, false, Hold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotSlowStart, why := r.Next(tt.limit, tt.slowStart, tt.w)
			if math.Abs(got-tt.want) > 1e-9 || gotSlowStart != tt.wantSlowStart || why != tt.wantWhy {
				t.Errorf("Next(%v, %v, %+v) = %v, %v, %q; want %v, %v, %q", tt.limit, tt.slowStart, tt.w, got, gotSlowStart, why, tt.want, tt.wantSlowStart, tt.wantWhy)
			}
		})
	}
}

func TestOverload(t *testing.T) {
	r := DefaultRules(64)
	tests := []struct {
		limit, want float64
	}{
		{20, 18},
		{64, 57.6},
		{1, 1}, // never below min
	}
	for _, tt := range tests {
		got, why := r.Overload(tt.limit)
		if math.Abs(got-tt.want) > 1e-9 || why != ShrinkOverload {
			t.Errorf("Overload(%v) = %v, %q; want %v, %q", tt.limit, got, why, tt.want, ShrinkOverload)
		}
	}
}

func TestQueueEstimate(t *testing.T) {
	tests := []struct {
		w    Window
		want float64
	}{
		{Window{Latency: 1, InFlight: 16}, 0},
		{Window{Latency: 0.9, InFlight: 16}, 0}, // faster than the lowest seen: no queue
		{Window{Latency: 2, InFlight: 16}, 8},
		{Window{Latency: 4, InFlight: 16}, 12}, // capacity 4: 12 of 16 wait
	}
	for _, tt := range tests {
		if got := tt.w.QueueEstimate(); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%+v.QueueEstimate() = %v, want %v", tt.w, got, tt.want)
		}
	}
}

func TestDefaultRules(t *testing.T) {
	tests := []struct{ max, wantMax, wantInitial int }{{64, 64, 4}, {2, 2, 2}, {0, 1, 1}}
	for _, tt := range tests {
		r := DefaultRules(tt.max)
		if r.Max != tt.wantMax || r.Initial != tt.wantInitial || r.Min != 1 {
			t.Errorf("DefaultRules(%d) = %+v; want max %d, initial %d, min 1", tt.max, r, tt.wantMax, tt.wantInitial)
		}
	}
}
