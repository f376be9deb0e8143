package authentiktest

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkCreateParallel measures creates over HTTP with many clients, no latency.
func BenchmarkCreateParallel(b *testing.B) {
	s := MustNew(Options{Token: testToken, Groups: testGroups})
	ts := newBenchServer(b, s)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := `{"username":"user` + strconv.FormatInt(n.Add(1), 10) + `","name":"Bench User","email":"b@example.com","groups":["` + staffPK + `"]}`
			resp, err := send(ts, request{method: http.MethodPost, path: "core/users/", body: body})
			if err != nil || resp.status != http.StatusCreated {
				b.Errorf("create: %v %d %s", err, resp.status, resp.body)
				return
			}
		}
	})
	b.ReportMetric(float64(s.Stats().Creates)/b.Elapsed().Seconds(), "creates/s")
}
