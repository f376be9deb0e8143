// Package limit is the limit on requests in flight behind --concurrency auto. It starts low,
// grows while the answers' latency stays near the lowest seen, and shrinks when latency rises
// (requests queue inside the server) or the server says it is overloaded (429, 503, 504, a
// timeout). The rules are TCP Vegas as Netflix's concurrency-limits applies it to requests,
// with TCP's slow start and its one multiplicative decrease per congestion event.
//
// rules.go holds the decisions, as pure functions; limiter.go gates the requests and feeds
// the rules with what the answers say.
package limit

import (
	"math"
	"time"
)

// Rules are the limiter's constants.
type Rules struct {
	Min, Max int // bounds of the limit
	Initial  int // the limit at the start: low, so a small server is not flooded
	// Backoff multiplies the limit on an overload answer (429, 503, 504, a timeout): once per
	// congestion event, as TCP does on a loss.
	Backoff float64
	// MinRTTAge is how long the lowest latency seen stays the reference: after that the
	// next answer replaces it, so a server that became slower for good (not busier) is
	// learned again instead of being read as a queue forever.
	MinRTTAge time.Duration
}

// DefaultRules are the rules of --concurrency auto with --max-concurrency maxLimit.
func DefaultRules(maxLimit int) Rules {
	maxLimit = max(maxLimit, 1)
	return Rules{Min: 1, Max: maxLimit, Initial: min(4, maxLimit), Backoff: 0.9, MinRTTAge: 30 * time.Second}
}

// Window is what the answers to the requests sent since the limit last changed say.
type Window struct {
	Samples int
	// Latency is the median over the answers of their latency divided by the lowest seen for
	// requests of their kind: 1 means no queueing, 2 means each request waited as long again.
	Latency float64
	// InFlight is the mean number of requests on the wire when each of them was sent,
	// itself included.
	InFlight float64
}

// Reason says why the limit changed or did not; tests and debug logs read it.
type Reason string

// The reasons of Next and Overload.
const (
	GrowSlowStart  Reason = "grow: slow start"
	Grow           Reason = "grow: latency near the lowest seen"
	Hold           Reason = "hold: a small queue, as wanted"
	HoldConfirm    Reason = "hold: latency rose; shrink if the next window says so too"
	HoldUnused     Reason = "hold: the limit is not used (the rate or the input is the bottleneck)"
	ShrinkLatency  Reason = "shrink: latency rose, requests queue in the server"
	ShrinkOverload Reason = "shrink: the server said it is overloaded"
)

// alpha and beta bound the queue the limiter keeps in the server, in requests: below alpha
// it grows, above beta it shrinks. They grow with the log of the concurrency the server
// serves, as Vegas' grow with the log of the limit, so a big server keeps a few more
// requests waiting (its latency noise is larger in requests) and a small one very few.
func alpha(served float64) float64 { return math.Max(1, 3*math.Log10(served)) }
func beta(served float64) float64  { return 2 * alpha(served) }

// maxLatency is the latency (over the lowest seen) above which the limit shrinks whatever
// the queue estimate: each request waits twice as long as it is served. At small limits a
// queue of beta requests cannot even form, so this is the signal there.
const maxLatency = 3.0

// QueueEstimate is the number of our requests waiting in the server, by Little's law: of
// InFlight requests, the share 1 - 1/Latency of each one's time is spent queueing.
func (w Window) QueueEstimate() float64 {
	if w.Latency <= 1 {
		return 0
	}
	return w.InFlight * (1 - 1/w.Latency)
}

// State is what the rules carry from one window to the next.
type State struct {
	Limit     float64
	SlowStart bool // the limit still doubles per window
	// Queued: the last window's latency said requests queue in the server. One window
	// alone does not shrink the limit: on a busy machine a stall of the client or the
	// network looks like a queue for a window; a real one is still there in the next.
	Queued bool
}

// Next is the state after a window of answers without an overload answer. In slow start
// the limit doubles while the queue stays below alpha; after it, it grows by one per
// window. When two windows in a row show a queue above beta (or a latency above
// maxLatency), it drops to the concurrency the server served (InFlight / Latency) plus
// alpha, never below half at once.
func (r Rules) Next(s State, w Window) (State, Reason) {
	q := w.QueueEstimate()
	served := w.InFlight / math.Max(w.Latency, 1) // the requests the server works on at once
	a := alpha(served)
	switch {
	case q > beta(served) || w.Latency > maxLatency:
		if !s.Queued {
			return State{Limit: s.Limit, Queued: true}, HoldConfirm
		}
		return State{Limit: r.clamp(math.Max(served+a, s.Limit/2))}, ShrinkLatency
	case q >= a:
		return State{Limit: s.Limit}, Hold
	case w.InFlight < s.Limit/2:
		// Growing a limit that is not reached would only say nothing about the server.
		return State{Limit: s.Limit, SlowStart: s.SlowStart}, HoldUnused
	case s.SlowStart && w.InFlight < 0.75*s.Limit:
		// The window's requests went out while the in-flight count was still rising to the
		// limit: they cannot show whether the limit itself queues. Doubling on them is
		// how slow start overshoots.
		return State{Limit: s.Limit, SlowStart: true}, HoldUnused
	case s.SlowStart:
		return State{Limit: r.clamp(2 * s.Limit), SlowStart: true}, GrowSlowStart
	}
	return State{Limit: r.clamp(s.Limit + 1)}, Grow
}

// Overload is the limit after an overload answer: Backoff times it, and slow start ends.
func (r Rules) Overload(limit float64) (float64, Reason) {
	return r.clamp(limit * r.Backoff), ShrinkOverload
}

func (r Rules) clamp(limit float64) float64 {
	return math.Min(math.Max(limit, float64(r.Min)), float64(r.Max))
}

// windowSize is how many answers a window needs before the rules judge it: the limit
// (a round trip's worth at full use, so not only the quickest answers of a round trip
// count), at least 3 so one answer is not a trend.
func windowSize(limit float64) int { return max(3, int(limit)) }
