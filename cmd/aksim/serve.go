package main

import (
	"io"
	"log"
	"time"

	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// start listens as cfg says. With --verbose each request is logged to stderr: method, path,
// status and duration, never headers (they carry the token).
func start(cfg config, opts authentiktest.Options, stderr io.Writer) (*authentiktest.Running, error) {
	if cfg.verbose {
		logger := log.New(stderr, "aksim: ", log.LstdFlags|log.Lmicroseconds)
		opts.OnRequest = func(method, uri string, status int, took time.Duration) {
			logger.Printf("%s %s %d %s", method, uri, status, took.Round(time.Microsecond))
		}
	}
	return authentiktest.Listen(cfg.listen, opts)
}
