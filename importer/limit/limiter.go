package limit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Outcome is what an answer says about the server's load.
type Outcome int

const (
	// Answered: the server answered (success or not); its latency counts.
	Answered Outcome = iota
	// Overloaded: 429, 503, 504 or a timeout; the limit shrinks.
	Overloaded
	// NoSignal: nothing to learn (cancelled, connection refused, the run stopped); a fast
	// failure must not pass for a fast server.
	NoSignal
)

// Limiter gates requests: at most its limit of them hold a slot at once. A nil *Limiter
// gates nothing, which is --concurrency N (the worker pool is the bound then).
type Limiter struct {
	rules Rules
	now   func() time.Time

	mu        sync.Mutex
	limit     float64
	slowStart bool
	queued    bool // the last window showed a queue (State.Queued)
	held      int  // slots handed out
	onWire    int  // slots whose request was sent (Begin) and not answered yet
	waiters   []*waiter
	minRTT    map[string]reference // the lowest latency seen, per kind of request
	win       window
	lastCut   time.Time // the last decrease on overload: answers to earlier requests belong to it
	reason    Reason
	stats     Stats
}

// Stats are the limit now and its range, for the progress line, the summary and metrics.
type Stats struct {
	Limit int
	// Low and High are the lowest and highest limit since the first ramp-up (slow start)
	// ended, so they show how the limit followed the server rather than its start value;
	// until then, the values of the ramp-up.
	Low, High int
	// Decreases counts the times the limit shrank (latency or overload).
	Decreases int
	found     bool // slow start ended once
}

type reference struct {
	rtt time.Duration
	at  time.Time // when a latency near it was last seen
}

// window gathers the answers to the requests sent since start.
type window struct {
	start       time.Time
	ratios      []float64
	inFlightSum int
}

type waiter struct {
	ready   chan struct{}
	granted bool
}

// New returns a limiter with rules; now is the clock (nil means time.Now), which tests fake.
func New(rules Rules, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	rules.Initial = min(max(rules.Initial, rules.Min, 1), rules.Max)
	l := &Limiter{rules: rules, now: now, limit: float64(rules.Initial), slowStart: true, minRTT: map[string]reference{}}
	l.win.start = now()
	l.stats = Stats{Limit: rules.Initial, Low: rules.Initial, High: rules.Initial}
	return l
}

// Flight is one request's slot. Begin it when the request goes on the wire, End it with
// what the answer said; a nil *Flight (from a nil Limiter) does nothing.
type Flight struct {
	l        *Limiter
	kind     string
	sent     time.Time
	inFlight int
	begun    bool
	ended    bool
}

// Acquire waits for a slot for a request of kind (requests of one kind have comparable
// latencies: "create", "lookup", …). It returns ctx's error if ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, kind string) (*Flight, error) {
	if l == nil {
		return nil, nil
	}
	l.mu.Lock()
	if len(l.waiters) == 0 && l.held < l.current() {
		l.held++
		l.mu.Unlock()
		return &Flight{l: l, kind: kind}, nil
	}
	w := &waiter{ready: make(chan struct{})}
	l.waiters = append(l.waiters, w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return &Flight{l: l, kind: kind}, nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		if w.granted { // granted as ctx ended: give the slot to the next
			l.held--
			l.grant()
		} else {
			l.waiters = slices.DeleteFunc(l.waiters, func(x *waiter) bool { return x == w })
		}
		return nil, ctx.Err()
	}
}

// Begin notes that the request is being sent now: its latency counts from here (after
// any wait for --rate), and the requests on the wire are counted.
func (f *Flight) Begin() {
	if f == nil || f.begun {
		return
	}
	l := f.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onWire++
	f.begun, f.sent, f.inFlight = true, l.now(), l.onWire
}

// End gives the slot back and feeds the rules with the outcome. Calling it again does
// nothing.
func (f *Flight) End(o Outcome) {
	if f == nil || f.ended {
		return
	}
	f.ended = true
	l := f.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held--
	if f.begun {
		l.onWire--
		l.observe(f, o, l.now())
	}
	l.grant()
}

// Stats returns the limit now and its range.
func (l *Limiter) Stats() Stats {
	if l == nil {
		return Stats{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Reason is why the limit last changed or held.
func (l *Limiter) Reason() Reason {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reason
}

// current is the limit as a count of slots.
func (l *Limiter) current() int { return max(int(l.limit), 1) }

// grant hands free slots to the waiters, first come first served.
func (l *Limiter) grant() {
	for len(l.waiters) > 0 && l.held < l.current() {
		w := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.held++
		w.granted = true
		close(w.ready)
	}
}

// observe feeds one answer to the rules.
func (l *Limiter) observe(f *Flight, o Outcome, now time.Time) {
	switch o {
	case Overloaded:
		if f.sent.Before(l.lastCut) {
			return // sent before the last decrease: the same congestion event
		}
		next, why := l.rules.Overload(l.limit)
		l.lastCut = now
		l.set(next, false, why, now)
		l.queued = false
	case Answered:
		ratio := l.latencyRatio(f.kind, now.Sub(f.sent), now)
		if f.sent.Before(l.win.start) {
			return // sent under an earlier limit: says nothing about this one
		}
		l.win.ratios = append(l.win.ratios, ratio)
		l.win.inFlightSum += f.inFlight
		if n := len(l.win.ratios); n >= windowSize(l.limit) {
			w := Window{Samples: n, Latency: median(l.win.ratios), InFlight: float64(l.win.inFlightSum) / float64(n)}
			next, why := l.rules.Next(State{Limit: l.limit, SlowStart: l.slowStart, Queued: l.queued}, w)
			l.set(next.Limit, next.SlowStart, why, now)
			l.queued = next.Queued
		}
	}
}

// latencyRatio is rtt over the lowest latency seen for kind, updating that reference: a
// lower latency replaces it, one within 10% of it confirms it, and a reference not
// confirmed for MinRTTAge is replaced by the next answer.
func (l *Limiter) latencyRatio(kind string, rtt time.Duration, now time.Time) float64 {
	rtt = max(rtt, time.Microsecond)
	ref, ok := l.minRTT[kind]
	switch {
	case !ok, rtt < ref.rtt, now.Sub(ref.at) > l.rules.MinRTTAge:
		ref = reference{rtt: rtt, at: now}
	case float64(rtt) <= 1.1*float64(ref.rtt):
		ref.at = now
	}
	l.minRTT[kind] = ref
	return float64(rtt) / float64(ref.rtt)
}

// set applies a decision and starts a new window: only requests sent from now on show
// what the new limit does.
func (l *Limiter) set(next float64, slowStart bool, why Reason, now time.Time) {
	if next < l.limit {
		l.stats.Decreases++
	}
	l.limit, l.slowStart, l.reason = next, slowStart, why
	l.win = window{start: now, ratios: l.win.ratios[:0]}
	cur := l.current()
	st := &l.stats
	st.Limit = cur
	switch {
	case !slowStart && !st.found:
		st.found, st.Low, st.High = true, cur, cur
	default:
		st.Low, st.High = min(st.Low, cur), max(st.High, cur)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
