package authentiktest

import "net/http"

// statusRecorder notes the status of the answer for Stats.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (lost answers hijack it).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
