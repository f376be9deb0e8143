package authentiktest

import (
	"encoding/json"
	"math"
	"sync"
	"time"
)

// QueueWait is how long API requests waited for a worker (F-A3) before being served.
type QueueWait struct {
	Requests int64         // requests that waited or not, faulted ones excluded
	P50      time.Duration // within 5%
	P95      time.Duration // within 5%
	Max      time.Duration // exact
}

// MarshalJSON writes the durations in milliseconds, for people reading aksim's stats.
func (q QueueWait) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000 }
	return json.Marshal(struct {
		Requests int64   `json:"requests"`
		P50      float64 `json:"p50_ms"`
		P95      float64 `json:"p95_ms"`
		Max      float64 `json:"max_ms"`
	}{q.Requests, ms(q.P50), ms(q.P95), ms(q.Max)})
}

// waitBase is the ratio between the bounds of the histogram's buckets: percentiles are
// exact within 5%, in fixed memory however long aksim runs.
const waitBase = 1.05

// waitHistogram counts waits in buckets: 0 for under a microsecond, then bucket i ≥ 1 for
// [waitBase^(i-1), waitBase^i) microseconds.
type waitHistogram struct {
	mu      sync.Mutex
	buckets []int64
	n       int64
	max     time.Duration
}

func waitBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	return int(math.Log(us)/math.Log(waitBase)) + 1
}

// waitBucketTop is the upper bound of bucket i.
func waitBucketTop(i int) time.Duration {
	if i == 0 {
		return 0
	}
	return time.Duration(math.Pow(waitBase, float64(i)) * float64(time.Microsecond))
}

func (h *waitHistogram) add(d time.Duration) {
	d = max(d, 0)
	i := waitBucket(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= len(h.buckets) {
		h.buckets = append(h.buckets, make([]int64, i+1-len(h.buckets))...)
	}
	h.buckets[i]++
	h.n++
	h.max = max(h.max, d)
}

// summary is the count, p50, p95 and max.
func (h *waitHistogram) summary() QueueWait {
	h.mu.Lock()
	defer h.mu.Unlock()
	return QueueWait{Requests: h.n, P50: h.quantile(0.50), P95: h.quantile(0.95), Max: h.max}
}

// quantile is the upper bound of the bucket holding the q-th wait (never above the max);
// the caller holds mu.
func (h *waitHistogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.buckets {
		seen += c
		if seen >= rank {
			return min(waitBucketTop(i), h.max)
		}
	}
	return h.max
}
