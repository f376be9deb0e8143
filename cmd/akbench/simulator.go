package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// benchToken is the simulator's API token; akimport gets it through AUTHENTIK_TOKEN.
const benchToken = "akbench-token-not-secret"

// createsPath is the path of the user create (POST), the one request per row.
const createsPath = "/api/v3/core/users/"

// createLog records, as the simulator sees them, when each create arrived and when its
// answer was written: the timings of rate accuracy and of the server-side throughput.
type createLog struct {
	mu       sync.Mutex
	arrivals []time.Time
	finishes []time.Time
	conns    []string // the client's address: one keep-alive connection per worker
	record   bool     // off for the big memory runs, where a million timestamps are not needed
}

func (l *createLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.record || r.Method != http.MethodPost || r.URL.Path != createsPath {
			next.ServeHTTP(w, r)
			return
		}
		arrived := time.Now()
		next.ServeHTTP(w, r)
		finished := time.Now()
		l.mu.Lock()
		l.arrivals = append(l.arrivals, arrived)
		l.finishes = append(l.finishes, finished)
		l.conns = append(l.conns, r.RemoteAddr)
		l.mu.Unlock()
	})
}

// timings returns copies of the timestamps so far.
func (l *createLog) timings() (arrivals, finishes []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.arrivals...), append([]time.Time(nil), l.finishes...)
}

// turnaround splits the time of the creates into the simulator's share (arrival to answer,
// latency and queueing included) and the client's (an answer on a connection to the next
// create arriving on it: akimport's own work, the network and scheduling), both means.
func (l *createLog) turnaround() (server, client time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lastFinish := map[string]time.Time{}
	var serverSum, clientSum time.Duration
	var gaps int
	for i, conn := range l.conns { // appended in answer order, so per connection in order
		serverSum += l.finishes[i].Sub(l.arrivals[i])
		if prev, ok := lastFinish[conn]; ok {
			clientSum += l.arrivals[i].Sub(prev)
			gaps++
		}
		lastFinish[conn] = l.finishes[i]
	}
	if len(l.conns) > 0 {
		server = serverSum / time.Duration(len(l.conns))
	}
	if gaps > 0 {
		client = clientSum / time.Duration(gaps)
	}
	return server, client
}

// startSimulator serves a fresh simulator on 127.0.0.1 with every create logged when record.
func startSimulator(latency time.Duration, capacity int, record bool) (*authentiktest.Running, *createLog, error) {
	log := &createLog{record: record}
	srv, err := authentiktest.ListenWrapped("127.0.0.1:0", authentiktest.Options{
		Token:    benchToken,
		Latency:  latency,
		Capacity: capacity,
		Seed:     1,
	}, log.wrap)
	if err != nil {
		return nil, nil, err
	}
	return srv, log, nil
}
