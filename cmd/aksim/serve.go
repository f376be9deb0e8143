package main

import (
	"io"
	"log"
	"net/http"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// start listens as cfg says. With --verbose each request is logged to stderr: method, path,
// status and duration, never headers (they carry the token).
func start(cfg config, opts authentiktest.Options, stderr io.Writer) (*authentiktest.Running, error) {
	if !cfg.verbose {
		return authentiktest.Listen(cfg.listen, opts)
	}
	logger := log.New(stderr, "aksim: ", log.LstdFlags|log.Lmicroseconds)
	return authentiktest.ListenWrapped(cfg.listen, opts, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusWriter{ResponseWriter: w}
			began := time.Now()
			defer func() { // also when a lost answer aborts the handler
				logger.Printf("%s %s %d %s", r.Method, r.URL.RequestURI(), rec.status, time.Since(began).Round(time.Microsecond))
			}()
			next.ServeHTTP(rec, r)
		})
	})
}

// statusWriter notes the status for the log; 0 means the connection was dropped.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
