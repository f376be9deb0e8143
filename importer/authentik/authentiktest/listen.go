package authentiktest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a Server listening on a loopback address.
type Running struct {
	*Server
	addr    string       // host:port, fixed across restarts
	handler http.Handler // the Server, possibly wrapped

	mu     sync.Mutex
	http   *http.Server
	closed bool

	whileDown func() // test hook: runs while the listener is closed
}

// Start serves a new Server on a free port of 127.0.0.1.
func Start(opts Options) (*Running, error) { return Listen("127.0.0.1:0", opts) }

// Listen serves a new Server on addr, which must be a loopback address ("127.0.0.1:0"
// picks a free port): the simulator never listens where other hosts could reach it.
func Listen(addr string, opts Options) (*Running, error) { return ListenWrapped(addr, opts, nil) }

// ListenWrapped is Listen with the Server's handler wrapped by wrap, e.g. in a request log.
func ListenWrapped(addr string, opts Options, wrap func(http.Handler) http.Handler) (*Running, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("authentiktest: listen on %s: %w", addr, err)
	}
	r := &Running{Server: s, addr: ln.Addr().String(), handler: s}
	if wrap != nil {
		r.handler = wrap(s)
	}
	r.serve(ln)
	return r, nil
}

// checkLoopback refuses an address that is not on the loopback interface.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("authentiktest: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("authentiktest: listen address %q is not a loopback address (use 127.0.0.1)", addr)
	}
	return nil
}

func (r *Running) serve(ln net.Listener) {
	srv := &http.Server{Handler: r.handler, ReadHeaderTimeout: 10 * time.Second}
	r.http = srv
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed on Close
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234" (no /api/v3).
func (r *Running) URL() string { return "http://" + r.addr }

// Addr is the host:port the server listens on.
func (r *Running) Addr() string { return r.addr }

// Close stops listening and drops every connection. It is safe to call more than once.
func (r *Running) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.http.Close()
}

// Restart simulates a server restart: it closes the listener and every connection, so new
// connections are refused for downFor, then listens again on the same address. Users are
// kept. It blocks for downFor.
func (r *Running) Restart(downFor time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("authentiktest: restart of a closed server")
	}
	if err := r.http.Close(); err != nil {
		return fmt.Errorf("authentiktest: restart: %w", err)
	}
	if r.whileDown != nil {
		r.whileDown()
	}
	time.Sleep(downFor)
	var ln net.Listener
	var err error
	for range 50 { // the old socket may take a moment to be released
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		r.closed = true
		return fmt.Errorf("authentiktest: restart: listen again on %s: %w", r.addr, err)
	}
	r.serve(ln)
	return nil
}
