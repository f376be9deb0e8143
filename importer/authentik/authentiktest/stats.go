package authentiktest

import (
	"maps"
	"strconv"
	"sync"
)

// Stats are the counters a test or a benchmark reads after a run.
type Stats struct {
	// Requests counts requests by route label (Route* constants; "other" for unknown paths),
	// faulted ones included.
	Requests map[string]int64 `json:"requests"`
	// Responses counts answers by status code; dropped connections are not answers.
	Responses map[string]int64 `json:"responses"`
	// Creates counts users created.
	Creates int64 `json:"creates"`
	// Writes counts successful state changes: creates, patches, passwords set.
	Writes int64 `json:"writes"`
	// DuplicateUsernameAttempts counts creates of a username that existed or was being
	// created: 400 "This field must be unique." and 500 races (F-U13).
	DuplicateUsernameAttempts int64 `json:"duplicate_username_attempts"`
	// RecoveryEmails counts the recovery e-mails sent (F-R1).
	RecoveryEmails int64 `json:"recovery_emails"`
	// Faults counts injected failures by kind.
	Faults map[FaultKind]int64 `json:"faults"`
	// Users is how many users exist now.
	Users int `json:"users"`
	// PeakInFlight is the most API requests served at once (at most Capacity, F-A3).
	PeakInFlight int64 `json:"peak_in_flight"`
	// QueueWait is how long requests waited for a worker: p50, p95, max.
	QueueWait QueueWait `json:"queue_wait"`
}

// counters collects Stats under its own lock, apart from the users' store.
type counters struct {
	mu    sync.Mutex
	stats Stats
}

func newCounters() *counters {
	return &counters{stats: Stats{Requests: map[string]int64{}, Responses: map[string]int64{}, Faults: map[FaultKind]int64{}}}
}

func (c *counters) update(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.stats)
}

func (c *counters) request(route string) { c.update(func(s *Stats) { s.Requests[route]++ }) }
func (c *counters) fault(kind FaultKind) { c.update(func(s *Stats) { s.Faults[kind]++ }) }
func (c *counters) write()               { c.update(func(s *Stats) { s.Writes++ }) }
func (c *counters) duplicate()           { c.update(func(s *Stats) { s.DuplicateUsernameAttempts++ }) }
func (c *counters) recoveryEmail()       { c.update(func(s *Stats) { s.RecoveryEmails++; s.Writes++ }) }
func (c *counters) created() {
	c.update(func(s *Stats) { s.Creates++; s.Writes++ })
}
func (c *counters) response(status int) {
	if status != 0 {
		c.update(func(s *Stats) { s.Responses[strconv.Itoa(status)]++ })
	}
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.stats
	out.Requests = maps.Clone(c.stats.Requests)
	out.Responses = maps.Clone(c.stats.Responses)
	out.Faults = maps.Clone(c.stats.Faults)
	return out
}
