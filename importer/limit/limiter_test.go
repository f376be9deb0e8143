package limit

import (
	"context"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// cancelled is a context that is already done: Acquire with it takes a free slot or
// returns at once, so a single-goroutine test never blocks.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// server is a fake server on the fake clock: capacity requests served at once, each for
// latency; a request sent when n are on the wire is answered after latency × max(1, n/capacity)
// (processor sharing, which is what a queue in front of capacity workers averages to).
// Every failEvery-th answer is an overload answer instead (0: never).
type server struct {
	capacity  int
	latency   time.Duration
	failEvery int
}

type pending struct {
	f   *Flight
	due time.Time
}

// drive runs answers requests through l against srv on clock, always keeping every slot the
// limiter allows busy, and returns the limit after each answer.
func drive(t *testing.T, l *Limiter, clock *fakeClock, srv func(answer int) server, answers int) []int {
	t.Helper()
	var inFlight []pending
	var limits []int
	for answer := 0; answer < answers; answer++ {
		s := srv(answer)
		for {
			f, err := l.Acquire(cancelled(), "create")
			if err != nil {
				break
			}
			f.Begin()
			rtt := s.latency * time.Duration(max(1, float64(f.inFlight)/float64(s.capacity))*1000) / 1000
			inFlight = append(inFlight, pending{f: f, due: clock.t.Add(rtt)})
		}
		if len(inFlight) == 0 {
			t.Fatalf("answer %d: nothing in flight, limit %d", answer, l.Stats().Limit)
		}
		next := 0
		for i, p := range inFlight {
			if p.due.Before(inFlight[next].due) {
				next = i
			}
		}
		p := inFlight[next]
		inFlight = append(inFlight[:next], inFlight[next+1:]...)
		clock.t = p.due
		outcome := Answered
		if s.failEvery > 0 && answer%s.failEvery == s.failEvery-1 {
			outcome = Overloaded
		}
		p.f.End(outcome)
		limits = append(limits, l.Stats().Limit)
	}
	return limits
}

func steady(s server) func(int) server { return func(int) server { return s } }

func TestLimiterFollowsTheServer(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name     string
		srv      func(answer int) server
		answers  int
		max      int
		lo, hi   int // the limit at the end must be in [lo, hi]
		maxSeen  int // the limit never went above this (0: not checked)
		minFinal int
	}{
		// Slow start overshoots to twice the capacity at most, for one window.
		{"grows to a roomy server's capacity and a little more", steady(server{capacity: 16, latency: 20 * ms}), 2000, 64, 16, 16 + 8, 32, 0},
		{"a small server keeps it small", steady(server{capacity: 4, latency: 20 * ms}), 2000, 64, 4, 4 + 4, 16, 0},
		{"capacity 1", steady(server{capacity: 1, latency: 50 * ms}), 500, 64, 1, 4, 8, 0},
		{"a server roomier than max stops at max", steady(server{capacity: 500, latency: 20 * ms}), 3000, 64, 64, 64, 64, 0},
		{"capacity falls from 16 to 4: it shrinks", func(a int) server {
			if a < 1500 {
				return server{capacity: 16, latency: 20 * ms}
			}
			return server{capacity: 4, latency: 20 * ms}
		}, 3000, 64, 4, 4 + 4, 0, 0},
		{"capacity rises from 4 to 16: it grows again", func(a int) server {
			if a < 1500 {
				return server{capacity: 4, latency: 20 * ms}
			}
			return server{capacity: 16, latency: 20 * ms}
		}, 4000, 64, 16, 16 + 8, 0, 0},
		// 5% overload answers unrelated to load: it backs off below capacity, but not to nothing.
		{"5% overload answers", steady(server{capacity: 16, latency: 20 * ms, failEvery: 20}), 3000, 64, 4, 16 + 8, 0, 0},
		{"every answer overloaded: down to min", steady(server{capacity: 16, latency: 20 * ms, failEvery: 1}), 500, 64, 1, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			l := New(DefaultRules(tt.max), clock.now)
			if got := l.Stats().Limit; got != 4 {
				t.Fatalf("starting limit %d, want 4", got)
			}
			limits := drive(t, l, clock, tt.srv, tt.answers)
			final := limits[len(limits)-1]
			if final < tt.lo || final > tt.hi {
				t.Errorf("limit at the end %d, want %d..%d (reason %q, stats %+v)", final, tt.lo, tt.hi, l.Reason(), l.Stats())
			}
			if tt.maxSeen > 0 {
				for i, got := range limits {
					if got > tt.maxSeen {
						t.Errorf("after answer %d the limit was %d, want at most %d", i, got, tt.maxSeen)
						break
					}
				}
			}
		})
	}
}

// The range reported excludes the ramp-up: after a fall from 16 to 4, Low shows the fall.
func TestLimiterRange(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := New(DefaultRules(64), clock.now)
	drive(t, l, clock, func(a int) server {
		if a < 1500 {
			return server{capacity: 16, latency: 20 * time.Millisecond}
		}
		return server{capacity: 4, latency: 20 * time.Millisecond}
	}, 3000)
	st := l.Stats()
	if st.High < 16 || st.Low > 8 || st.Low < 1 || st.Decreases == 0 {
		t.Errorf("stats %+v: want High ≥ 16, Low in 1..8, some decreases", st)
	}
}

// A burst of overload answers to requests sent before the limit fell is one congestion
// event: one decrease, as in TCP.
func TestLimiterOneDecreasePerCongestionEvent(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := New(Rules{Min: 1, Max: 64, Initial: 20, Backoff: 0.5, MinRTTAge: time.Minute}, clock.now)
	var flights []*Flight
	for range 20 {
		f, err := l.Acquire(cancelled(), "create")
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		f.Begin()
		flights = append(flights, f)
	}
	clock.t = clock.t.Add(time.Second)
	for _, f := range flights {
		f.End(Overloaded)
	}
	if got := l.Stats().Limit; got != 10 {
		t.Errorf("after 20 overload answers to requests sent together: limit %d, want 10 (one decrease)", got)
	}
	f, _ := l.Acquire(cancelled(), "create")
	f.Begin()
	clock.t = clock.t.Add(time.Second)
	f.End(Overloaded)
	if got := l.Stats().Limit; got != 5 {
		t.Errorf("an overload answer to a request sent after the decrease: limit %d, want 5", got)
	}
}

// Requests that never went on the wire, or failed without an answer, teach nothing: the
// slot comes back and the limit stays.
func TestLimiterNoSignal(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := New(DefaultRules(64), clock.now)
	for range 100 {
		f, err := l.Acquire(cancelled(), "create")
		if err != nil {
			t.Fatalf("a slot was not given back: %v", err)
		}
		f.Begin()
		clock.t = clock.t.Add(time.Millisecond)
		f.End(NoSignal)
		g, err := l.Acquire(cancelled(), "create")
		if err != nil {
			t.Fatalf("a slot was not given back: %v", err)
		}
		g.End(Answered) // never begun
	}
	if st := l.Stats(); st.Limit != 4 || st.Decreases != 0 {
		t.Errorf("stats %+v, want the starting limit 4 and no decrease", st)
	}
}

// Acquire blocks at the limit, hands slots over first come first served, and a waiter
// whose context ends leaves the queue.
func TestLimiterGate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := New(Rules{Min: 1, Max: 64, Initial: 2, Backoff: 0.9, MinRTTAge: time.Minute}, clock.now)
	a, _ := l.Acquire(cancelled(), "x")
	b, _ := l.Acquire(cancelled(), "x")
	if f, err := l.Acquire(cancelled(), "x"); err == nil || f != nil {
		t.Fatalf("a third slot at limit 2: %v, %v", f, err)
	}
	got := make(chan *Flight, 1)
	go func() {
		f, err := l.Acquire(context.Background(), "x")
		if err != nil {
			t.Errorf("Acquire: %v", err)
		}
		got <- f
	}()
	waitFor(t, func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.waiters) == 1 })
	a.End(NoSignal)
	select {
	case f := <-got:
		if f == nil {
			t.Fatal("the waiter got no flight")
		}
		f.End(NoSignal)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter was not woken by a released slot")
	}
	b.End(NoSignal)
	a.End(NoSignal) // twice: nothing happens
	l.mu.Lock()
	held := l.held
	l.mu.Unlock()
	if held != 0 {
		t.Errorf("%d slots held after every flight ended, want 0", held)
	}
	var nilLimiter *Limiter
	f, err := nilLimiter.Acquire(cancelled(), "x")
	if f != nil || err != nil {
		t.Errorf("a nil limiter gated: %v, %v", f, err)
	}
	f.Begin()
	f.End(Overloaded) // a nil flight does nothing
}

// waitFor polls cond (a goroutine reaching a state), failing after a generous bound.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 10000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not reached")
}
