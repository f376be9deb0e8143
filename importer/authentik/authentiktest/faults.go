package authentiktest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// validate checks the probabilities.
func (f Faults) validate() error {
	sum := 0.0
	for _, p := range []struct {
		name string
		p    float64
	}{{"ServiceUnavailable", f.ServiceUnavailable}, {"GatewayTimeout", f.GatewayTimeout},
		{"TooManyRequests", f.TooManyRequests}, {"ServerError", f.ServerError}, {"LostAnswer", f.LostAnswer},
		{"ActThenUnavailable", f.ActThenUnavailable}} {
		if p.p < 0 || p.p > 1 || math.IsNaN(p.p) {
			return fmt.Errorf("fault probability %s is %v; it must be between 0 and 1", p.name, p.p)
		}
		sum += p.p
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault probabilities add up to %v; together they must be at most 1", sum)
	}
	if f.RetryAfter < 0 {
		return fmt.Errorf("fault RetryAfter is %v; it must not be negative", f.RetryAfter)
	}
	return nil
}

// faultConfig is Faults ready for drawing.
type faultConfig struct {
	Faults
	routes map[string]bool
}

func newFaultConfig(f Faults) faultConfig {
	routes := f.Routes
	if routes == nil {
		routes = []string{RouteCreateUser}
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	fc := faultConfig{Faults: f, routes: map[string]bool{}}
	for _, r := range routes {
		fc.routes[r] = true
	}
	return fc
}

// SetFaults replaces the fault configuration, e.g. to fail only part of a test.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	fc := newFaultConfig(f)
	s.faultsMu.Lock()
	s.faults = fc
	s.faultsMu.Unlock()
	return nil
}

// drawFault decides whether the request on route fails, and how; "" is no fault.
func (s *Server) drawFault(route string) (FaultKind, time.Duration) {
	s.faultsMu.RLock()
	fc := s.faults
	s.faultsMu.RUnlock()
	if !fc.routes[route] {
		return "", 0
	}
	total := fc.ServiceUnavailable + fc.GatewayTimeout + fc.TooManyRequests + fc.ServerError + fc.LostAnswer + fc.ActThenUnavailable
	if total == 0 {
		return "", 0
	}
	u := s.rand.float64()
	for _, k := range []struct {
		kind FaultKind
		p    float64
	}{{FaultServiceUnavailable, fc.ServiceUnavailable}, {FaultGatewayTimeout, fc.GatewayTimeout},
		{FaultTooManyRequests, fc.TooManyRequests}, {FaultServerError, fc.ServerError}, {FaultLostAnswer, fc.LostAnswer},
		{FaultActThenUnavailable, fc.ActThenUnavailable}} {
		if u < k.p {
			if k.kind.actsFirst() && route != RouteCreateUser {
				return "", 0
			}
			return k.kind, fc.RetryAfter
		}
		u -= k.p
	}
	return "", 0
}

// actsFirst reports whether the fault is injected after authentik acted (on the answer).
func (k FaultKind) actsFirst() bool { return k == FaultLostAnswer || k == FaultActThenUnavailable }

// writeFault answers a fault that stops the request before authentik sees it.
func writeFault(w http.ResponseWriter, kind FaultKind, retryAfter time.Duration) {
	switch kind {
	case FaultServiceUnavailable, FaultActThenUnavailable:
		writeText(w, http.StatusServiceUnavailable, "text/html", proxyPage("503 Service Temporarily Unavailable"))
	case FaultGatewayTimeout:
		writeText(w, http.StatusGatewayTimeout, "text/html", proxyPage("504 Gateway Time-out"))
	case FaultTooManyRequests:
		secs := int64(math.Ceil(retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeText(w, http.StatusTooManyRequests, "text/html", proxyPage("429 Too Many Requests"))
	case FaultServerError:
		writeServerError(w)
	}
}

// proxyPage is the error page of a reverse proxy (nginx's wording).
func proxyPage(title string) string {
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

// dropConnection closes the connection without an answer. Where the connection cannot be
// taken over (HTTP/2), the handler aborts instead, which resets the stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http's documented way to abort a response
	}
	_ = conn.Close()
}

// Down makes the server drop every connection, answering nothing, for d: a restart as seen
// through a handler. Running.Restart also closes the listener.
func (s *Server) Down(d time.Duration) { s.downUntil.Store(time.Now().Add(d).UnixNano()) }

// Up ends a Down early.
func (s *Server) Up() { s.downUntil.Store(0) }

func (s *Server) isDown() bool { return time.Now().UnixNano() < s.downUntil.Load() }
