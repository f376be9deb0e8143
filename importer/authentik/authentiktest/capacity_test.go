package authentiktest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseCapacitySchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    []CapacityStep
		wantErr string
	}{
		{in: "0s:16,10s:4", want: []CapacityStep{{0, 16}, {10 * time.Second, 4}}},
		{in: " 0s : 16 , 1m30s:0 ,", want: []CapacityStep{{0, 16}, {90 * time.Second, 0}}},
		{in: "5s:2", want: []CapacityStep{{5 * time.Second, 2}}},
		{in: "", wantErr: "no steps"},
		{in: "10s", wantErr: "TIME:CAPACITY"},
		{in: "ten:4", wantErr: "duration"},
		{in: "1s:many", wantErr: "not a number"},
		{in: "1s:-1", wantErr: "negative"},
		{in: "10s:4,5s:8", wantErr: "increase"},
		{in: "1s:4,1s:8", wantErr: "increase"},
	}
	for _, tt := range tests {
		got, err := ParseCapacitySchedule(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCapacitySchedule(%q) error %v, want one mentioning %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseCapacitySchedule(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseCapacitySchedule(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
	if _, err := New(Options{CapacitySchedule: []CapacityStep{{time.Second, 2}, {0, 1}}}); err == nil {
		t.Error("New accepted a schedule whose times decrease")
	}
}

// fakeClock is moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tryAcquire takes a worker if one is free now, without waiting.
func tryAcquire(g *gate) bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return g.acquire(ctx)
}

// F-A3 under a schedule: "0s:3,10s:1" serves 3 at once, then 1. When the capacity falls,
// requests being served finish and no new one starts until fewer than 1 are left.
func TestGateFollowsTheSchedule(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGate(8, []CapacityStep{{0, 3}, {10 * time.Second, 1}}, clock.now)
	for i := range 3 {
		if !tryAcquire(g) {
			t.Fatalf("worker %d of 3 not free", i+1)
		}
	}
	if tryAcquire(g) {
		t.Fatal("a 4th request was served at capacity 3")
	}
	clock.add(10 * time.Second)
	g.release()
	if tryAcquire(g) {
		t.Fatal("served with 2 in service at capacity 1")
	}
	g.release()
	g.release()
	if !tryAcquire(g) {
		t.Fatal("not served with none in service at capacity 1")
	}
	if tryAcquire(g) {
		t.Fatal("a 2nd request was served at capacity 1")
	}
	if got := g.waits.summary().Requests; got != 7 {
		t.Errorf("%d waits recorded, want 7 (every request that came, served or not)", got)
	}
}

// F-A3: a capacity that grows starts queued requests without waiting for a release, in
// the order they came; each one's wait is recorded.
func TestGateGrowsAndRecordsWaits(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGate(1, []CapacityStep{{time.Hour, 2}}, clock.now)
	if !tryAcquire(g) {
		t.Fatal("the one worker is not free")
	}
	served := make(chan int, 2)
	for i := range 2 {
		go func() {
			if g.acquire(context.Background()) {
				served <- i
			}
		}()
		waitUntil(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == i+1 })
	}
	clock.add(time.Hour + 30*time.Millisecond)
	g.mu.Lock()
	g.grant(clock.now()) // what the step's timer does
	g.mu.Unlock()
	receive := func() int {
		select {
		case got := <-served:
			return got
		case <-time.After(10 * time.Second):
			t.Fatal("a queued request was not served")
		}
		return -1
	}
	if got := receive(); got != 0 {
		t.Errorf("the capacity grew by one and request %d was served, want the first, 0", got)
	}
	g.release()
	if got := receive(); got != 1 {
		t.Errorf("after a release request %d was served, want 1", got)
	}
	waitUntil(t, func() bool { return g.waits.summary().Requests == 3 })
	w := g.waits.summary()
	if w.Max != time.Hour+30*time.Millisecond || w.P50 > w.Max || w.P50 < time.Hour {
		t.Errorf("waits %+v: want max 1h0m0.03s and p50 within 5%% below it", w)
	}
}

func TestWaitHistogram(t *testing.T) {
	var h waitHistogram
	if got := h.summary(); got != (QueueWait{}) {
		t.Errorf("empty: %+v", got)
	}
	for i := range 100 { // 1ms … 100ms
		h.add(time.Duration(i+1) * time.Millisecond)
	}
	for range 100 {
		h.add(0)
	}
	got := h.summary()
	near := func(got, want time.Duration) bool { return got >= want && float64(got) <= 1.05*float64(want) }
	if got.Requests != 200 || got.Max != 100*time.Millisecond || got.P50 != 0 || !near(got.P95, 90*time.Millisecond) {
		t.Errorf("summary %+v: want 200 requests, p50 0, p95 ≈ 90ms (within 5%%), max 100ms", got)
	}
}

// F-A3 through HTTP: with "0s:2" replacing --capacity 8, at most 2 are served at once,
// and the stats give the queue waits of every request.
func TestCapacityScheduleThroughHTTP(t *testing.T) {
	s, srv := newTestServer(t, Options{Capacity: 8, CapacitySchedule: []CapacityStep{{0, 2}}, Latency: 5 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", srv.URL+"/api/v3/core/users/", strings.NewReader(`{"username":"u`+string(rune('a'+i))+`","name":"U"}`))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.PeakInFlight != 2 && st.PeakInFlight != 1 {
		t.Errorf("PeakInFlight %d, want at most 2", st.PeakInFlight)
	}
	if st.Creates != 8 || st.QueueWait.Requests != 8 || st.QueueWait.Max < st.QueueWait.P95 || st.QueueWait.P95 < st.QueueWait.P50 {
		t.Errorf("creates %d, queue waits %+v: want 8 of each, p50 ≤ p95 ≤ max", st.Creates, st.QueueWait)
	}
}

// waitUntil polls cond, failing after a generous bound.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for range 10000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not reached")
}
