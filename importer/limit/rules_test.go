package limit

import (
	"math"
	"testing"
)

func TestNext(t *testing.T) {
	r := DefaultRules(64)
	type S = State
	tests := []struct {
		name    string
		in      State
		w       Window
		want    State
		wantWhy Reason
	}{
		{"slow start doubles while latency stays at the lowest", S{Limit: 4, SlowStart: true}, Window{Samples: 3, Latency: 1, InFlight: 4}, S{Limit: 8, SlowStart: true}, GrowSlowStart},
		{"slow start doubles with a queue below alpha", S{Limit: 16, SlowStart: true}, Window{Samples: 8, Latency: 1.1, InFlight: 16}, S{Limit: 32, SlowStart: true}, GrowSlowStart},
		{"slow start stops at max", S{Limit: 40, SlowStart: true}, Window{Samples: 20, Latency: 1, InFlight: 40}, S{Limit: 64, SlowStart: true}, GrowSlowStart},
		{"after slow start, one more per window", S{Limit: 10}, Window{Samples: 5, Latency: 1.05, InFlight: 10}, S{Limit: 11}, Grow},
		{"grows up to max only", S{Limit: 64}, Window{Samples: 32, Latency: 1, InFlight: 64}, S{Limit: 64}, Grow},
		{"a queue between alpha and beta holds, and ends slow start", S{Limit: 20, SlowStart: true}, Window{Samples: 10, Latency: 1.25, InFlight: 20}, S{Limit: 20}, Hold},
		{"a small queue forgets an earlier window's queue", S{Limit: 20, Queued: true}, Window{Samples: 10, Latency: 1.25, InFlight: 20}, S{Limit: 20}, Hold},
		{"no growth when the limit is not used", S{Limit: 20}, Window{Samples: 10, Latency: 1, InFlight: 6}, S{Limit: 20}, HoldUnused},
		{"slow start waits for a window sent at the limit", S{Limit: 32, SlowStart: true}, Window{Samples: 32, Latency: 1, InFlight: 20}, S{Limit: 32, SlowStart: true}, HoldUnused},
		{"no growth in slow start either, and slow start goes on", S{Limit: 8, SlowStart: true}, Window{Samples: 4, Latency: 1, InFlight: 3}, S{Limit: 8, SlowStart: true}, HoldUnused},
		// One window of high latency may be a stall of the client: it is only noted.
		{"one window of rising latency holds and is noted", S{Limit: 32}, Window{Samples: 16, Latency: 2, InFlight: 32}, S{Limit: 32, Queued: true}, HoldConfirm},
		{"one window of rising latency ends slow start", S{Limit: 32, SlowStart: true}, Window{Samples: 16, Latency: 3, InFlight: 32}, S{Limit: 32, Queued: true}, HoldConfirm},
		// 32 in flight at 2x the lowest latency: the server served 16 at once; keep alpha more.
		{"a second window of rising latency shrinks to what the server served plus alpha", S{Limit: 32, Queued: true}, Window{Samples: 16, Latency: 2, InFlight: 32}, S{Limit: 16 + alpha(16)}, ShrinkLatency},
		// Capacity fell from 16 to 4: 16 in flight take 4x as long; never below half at once.
		{"a sudden slowdown halves at most", S{Limit: 16, Queued: true}, Window{Samples: 8, Latency: 4, InFlight: 16}, S{Limit: 8}, ShrinkLatency},
		{"shrinks even when the limit is not used", S{Limit: 32, Queued: true}, Window{Samples: 16, Latency: 5, InFlight: 12}, S{Limit: 16}, ShrinkLatency},
		// At 2 in flight a queue above beta cannot form: latency alone says the server is slow.
		{"a small limit shrinks on latency alone", S{Limit: 2, Queued: true}, Window{Samples: 3, Latency: 50, InFlight: 2}, S{Limit: 2.0/50 + 1}, ShrinkLatency},
		{"latency just under maxLatency at a small limit holds", S{Limit: 2, Queued: true}, Window{Samples: 3, Latency: 2.9, InFlight: 2}, S{Limit: 2}, Hold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := r.Next(tt.in, tt.w)
			if math.Abs(got.Limit-tt.want.Limit) > 1e-9 || got.SlowStart != tt.want.SlowStart || got.Queued != tt.want.Queued || why != tt.wantWhy {
				t.Errorf("Next(%+v, %+v) = %+v, %q; want %+v, %q", tt.in, tt.w, got, why, tt.want, tt.wantWhy)
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
