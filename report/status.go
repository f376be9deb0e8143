package report

// statusOrder is the design's order of statuses: successes first, then the failures. The
// summary, the progress line and the metrics list statuses in this order.
var statusOrder = [...]Status{
	StatusCreated,
	StatusUpdated,
	StatusUnchanged,
	StatusDeactivated,
	StatusDeleted,
	StatusSkipped,
	StatusExists,
	StatusPlanned,
	StatusInvalid,
	StatusRejected,
	StatusFailed,
}

// Statuses returns every status in the design's order (a fresh slice the caller may keep).
func Statuses() []Status {
	out := make([]Status, len(statusOrder))
	copy(out, statusOrder[:])
	return out
}

// statusIndex returns the status's position in statusOrder, or -1 for an unknown status.
func statusIndex(s Status) int {
	for i, known := range statusOrder {
		if known == s {
			return i
		}
	}
	return -1
}

// Known reports whether s is one of the statuses of the design's report table.
func (s Status) Known() bool { return statusIndex(s) >= 0 }
