package authentiktest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CapacityStep changes how many requests the server serves at once, After the first API
// request arrived (Options.CapacitySchedule).
type CapacityStep struct {
	After    time.Duration
	Capacity int // 0 means no limit
}

// ParseCapacitySchedule reads "0s:16,10s:4": from the first request 16 at once, from 10 s
// on 4 (aksim --capacity-schedule).
func ParseCapacitySchedule(s string) ([]CapacityStep, error) {
	var steps []CapacityStep
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		at, capacity, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("capacity schedule %q: step %q is not TIME:CAPACITY like 10s:4", s, part)
		}
		after, err := time.ParseDuration(strings.TrimSpace(at))
		if err != nil {
			return nil, fmt.Errorf("capacity schedule %q: step %q: the time is not a duration like 10s", s, part)
		}
		n, err := strconv.Atoi(strings.TrimSpace(capacity))
		if err != nil {
			return nil, fmt.Errorf("capacity schedule %q: step %q: the capacity is not a number", s, part)
		}
		steps = append(steps, CapacityStep{After: after, Capacity: n})
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("capacity schedule %q has no steps; want TIME:CAPACITY,… like 0s:16,10s:4", s)
	}
	return steps, validateSchedule(steps)
}

func validateSchedule(steps []CapacityStep) error {
	for i, st := range steps {
		if st.After < 0 || st.Capacity < 0 {
			return fmt.Errorf("capacity schedule step %v:%d: time and capacity must not be negative", st.After, st.Capacity)
		}
		if i > 0 && st.After <= steps[i-1].After {
			return fmt.Errorf("capacity schedule step %v:%d: times must increase", st.After, st.Capacity)
		}
	}
	return nil
}

// gate is the server's workers (F-A3): at most the capacity of the moment serve requests;
// the others wait, first come first served. When the capacity falls, requests being served
// finish, and no new one starts until fewer than the new capacity are left.
type gate struct {
	base     int // Options.Capacity: before the first step, or without a schedule
	schedule []CapacityStep
	now      func() time.Time
	waits    waitHistogram

	mu      sync.Mutex
	started time.Time // the first request; zero until then
	serving int
	queue   []*gateWaiter
}

type gateWaiter struct {
	ready   chan struct{}
	granted bool
}

func newGate(capacity int, schedule []CapacityStep, now func() time.Time) *gate {
	return &gate{base: capacity, schedule: slices.Clone(schedule), now: now}
}

// capacityAt is the capacity at now (0: no limit); the caller holds mu.
func (g *gate) capacityAt(now time.Time) int {
	if g.started.IsZero() {
		g.started = now
	}
	c := g.base
	for _, st := range g.schedule {
		if now.Sub(g.started) >= st.After {
			c = st.Capacity
		}
	}
	return c
}

// untilNextStep is how long until the capacity changes next, 0 when it never does; the
// caller holds mu.
func (g *gate) untilNextStep(now time.Time) time.Duration {
	for _, st := range g.schedule {
		if d := g.started.Add(st.After).Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func (g *gate) free(now time.Time) bool {
	c := g.capacityAt(now)
	return c == 0 || g.serving < c
}

// acquire waits for a worker, and records how long it waited. It returns false, having
// taken no worker, if ctx ends first.
func (g *gate) acquire(ctx context.Context) bool {
	g.mu.Lock()
	arrived := g.now()
	if len(g.queue) == 0 && g.free(arrived) {
		g.serving++
		g.mu.Unlock()
		g.waits.add(0)
		return true
	}
	w := &gateWaiter{ready: make(chan struct{})}
	g.queue = append(g.queue, w)
	next := g.untilNextStep(arrived)
	g.mu.Unlock()
	defer func() { g.waits.add(g.now().Sub(arrived)) }()
	for {
		var step <-chan time.Time
		if next > 0 { // a capacity that grows frees workers without a release
			t := time.NewTimer(next)
			defer t.Stop()
			step = t.C
		}
		select {
		case <-w.ready:
			return true
		case <-step:
			g.mu.Lock()
			now := g.now()
			g.grant(now)
			next = g.untilNextStep(now)
			g.mu.Unlock()
		case <-ctx.Done():
			g.mu.Lock()
			defer g.mu.Unlock()
			if w.granted {
				g.serving--
				g.grant(g.now())
			} else {
				g.queue = slices.DeleteFunc(g.queue, func(x *gateWaiter) bool { return x == w })
			}
			return false
		}
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.serving--
	g.grant(g.now())
}

// grant starts the waiting requests the capacity allows; the caller holds mu.
func (g *gate) grant(now time.Time) {
	for len(g.queue) > 0 && g.free(now) {
		w := g.queue[0]
		g.queue = g.queue[1:]
		g.serving++
		w.granted = true
		close(w.ready)
	}
}
