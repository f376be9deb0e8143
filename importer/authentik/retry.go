package authentik

import (
	"cmp"
	"math/rand/v2"
	"time"
)

// DefaultMaxRetryAfter caps a server's Retry-After: a proxy asking for an hour must not stall a run.
const DefaultMaxRetryAfter = 5 * time.Minute

// ShouldRetry reports whether a failed call is worth another attempt: transient failures
// only, never a cancelled context. For a create, check MayHaveActed first.
func ShouldRetry(err error) bool {
	return err != nil && IsTransient(err) && !IsCanceled(err)
}

// Backoff is how long to wait before a retry: exponential from Min, capped at Max, with
// equal jitter (half to all of the step), unless the server said how long (Retry-After).
type Backoff struct {
	Min, Max      time.Duration
	MaxRetryAfter time.Duration  // caps a server's Retry-After (default DefaultMaxRetryAfter)
	Rand          func() float64 // in [0, 1), for the jitter (default math/rand/v2)
}

// DefaultBackoff suits a server that is restarting or briefly overloaded.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}

// Delay is the wait before retry number attempt (1 for the first retry). A positive
// retryAfter is used as it is, capped at MaxRetryAfter.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, cmp.Or(b.MaxRetryAfter, DefaultMaxRetryAfter))
	}
	lo, hi := max(b.Min, 0), max(b.Max, b.Min, 0)
	if hi == 0 {
		return 0
	}
	step := max(lo, time.Nanosecond)
	for i := 1; i < attempt && step < hi; i++ {
		if step > hi/2 { // doubling would pass the cap (or overflow)
			step = hi
		} else {
			step *= 2
		}
	}
	random := b.Rand
	if random == nil {
		random = rand.Float64
	}
	half := step / 2
	return half + time.Duration(random()*float64(step-half))
}
