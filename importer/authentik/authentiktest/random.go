package authentiktest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// random is the server's one seeded source of randomness, shared by all requests.
type random struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newRandom(seed int64) *random {
	return &random{rng: rand.New(rand.NewPCG(uint64(seed), 0x6b696d706f7274))}
}

func (r *random) float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Float64()
}

func (r *random) int64N(n int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Int64N(n)
}

func (r *random) uuid() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return uuidV4(r.rng.Uint64(), r.rng.Uint64())
}

// latency draws one request's latency: Latency±LatencyJitter, never negative.
func (s *Server) latency() time.Duration {
	d, jitter := s.opts.Latency, s.opts.LatencyJitter
	if jitter > 0 {
		d += time.Duration(s.rand.int64N(2*int64(jitter)+1)) - jitter
	}
	return max(d, 0)
}

// sleepUntil waits until due or until ctx ends; it reports whether due was reached.
func sleepUntil(ctx context.Context, due time.Time) bool { return sleep(ctx, time.Until(due)) }

// sleep waits d or until ctx ends; it reports whether the whole time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
