package importer

import "sync/atomic"

// requestOrder decides, row by row, whether to create first or look the username up first.
//
// authentik has no upsert: a row whose user may exist costs either create (400 "must be
// unique") + lookup [+ PATCH], or lookup [+ create or PATCH]. Creating first is cheaper
// when most rows are new (1 request instead of 2); looking up first is cheaper when most
// exist (1 request instead of 2, and no failed create on authentik's side). The file tells
// which it is as the run goes: after minSample rows, once more than half of the rows seen
// already existed, the workers look up first. TestRequestOrder measures both.
type requestOrder struct {
	rows     atomic.Int64
	existing atomic.Int64
	// disabled keeps create-first always (tests that measure the plain order).
	disabled bool
}

// minSample is how many rows are seen before the order may change.
const minSample = 16

func (o *requestOrder) lookupFirst() bool {
	if o.disabled {
		return false
	}
	n := o.rows.Load()
	return n >= minSample && 2*o.existing.Load() > n
}

// observe records whether a row's username already existed.
func (o *requestOrder) observe(existed bool) {
	o.rows.Add(1)
	if existed {
		o.existing.Add(1)
	}
}
