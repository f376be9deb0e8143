package plan

import "sync"

// RequestOrder decides, row by row, whether to create first or look the username up first.
// authentik has no upsert: a row whose user may exist costs create (400 "must be unique") +
// lookup, or lookup + create. Creating first is cheaper when most rows are new, looking up
// first when most exist. A moving average of "the username existed" over about the last
// eight rows picks the order, so it follows a file of known users followed by new hires.
type RequestOrder struct {
	mu    sync.Mutex
	rows  int
	share float64 // moving average of rows whose username existed
}

const (
	minSample = 8       // rows seen before the order may change
	smoothing = 1.0 / 8 // the newest row's weight
)

// LookupFirst reports whether the next row should be looked up before it is created.
func (o *RequestOrder) LookupFirst() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rows >= minSample && o.share > 0.5
}

// Observe records whether a row's username already existed.
func (o *RequestOrder) Observe(existed bool) {
	x := 0.0
	if existed {
		x = 1
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rows++
	if o.rows == 1 {
		o.share = x
		return
	}
	o.share += (x - o.share) * smoothing
}
