package report

import "time"

// Clock is the time source of the progress display, so tests can drive it without sleeping.
type Clock interface {
	Now() time.Time
	// NewTicker returns a channel that delivers a time every d, and a function that stops it.
	NewTicker(d time.Duration) (ticks <-chan time.Time, stop func())
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
