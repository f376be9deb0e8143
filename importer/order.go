package importer

import "sync"

// requestOrder decides, row by row, whether to create first or look the username up first.
//
// authentik has no upsert: a row whose user may exist costs either create (400 "must be
// unique") + lookup [+ PATCH], or lookup [+ create or PATCH]. Creating first is cheaper
// when most rows are new (1 request instead of 2); looking up first is cheaper when most
// exist (1 request instead of 2, and no failed create on authentik's side). The file tells
// which it is as the run goes: a moving average of "the username existed" over the last
// rows (about eight) picks the order, so it follows a file whose first half is known users
// and second half new hires. TestRequestOrder measures both orders.
type requestOrder struct {
	mu    sync.Mutex
	rows  int
	share float64 // moving average of rows whose username existed
	// disabled keeps create-first always (tests that measure the plain order).
	disabled bool
}

const (
	// minSample is how many rows are seen before the order may change.
	minSample = 8
	// smoothing is the moving average's weight of the newest row.
	smoothing = 1.0 / 8
)

func (o *requestOrder) lookupFirst() bool {
	if o.disabled {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rows >= minSample && o.share > 0.5
}

// observe records whether a row's username already existed.
func (o *requestOrder) observe(existed bool) {
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
