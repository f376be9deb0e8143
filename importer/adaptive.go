package importer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/limit"
	"github.com/akimport/akimport/report"
)

// DefaultMaxConcurrency is --max-concurrency: the most requests --concurrency auto lets
// fly at once.
const DefaultMaxConcurrency = 64

// validateConcurrencyAuto checks --max-concurrency and, with --concurrency auto, gives the
// pool a worker for every request the limit may allow.
func (c *Config) validateConcurrencyAuto() []error {
	if !c.ConcurrencyAuto {
		return nil
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.MaxConcurrency < 1 {
		return []error{fmt.Errorf("--max-concurrency %d: want at least 1", c.MaxConcurrency)}
	}
	c.Concurrency = c.MaxConcurrency
	return nil
}

// newAdaptiveLimit is the limit of --concurrency auto; nil (no gate beyond the workers)
// with a fixed --concurrency N.
func newAdaptiveLimit(cfg *Config) *limit.Limiter {
	if !cfg.ConcurrencyAuto {
		return nil
	}
	rules := limit.DefaultRules(cfg.MaxConcurrency)
	cfg.Logger.Info("--concurrency auto: the limit on requests in flight starts low and follows the server's latency",
		zap.Int("start", rules.Initial), zap.Int("max_concurrency", rules.Max))
	return limit.New(rules, nil)
}

// outcomeOf says what an answer tells the adaptive limit: overload (429, 502, 503, 504, a
// timeout) shrinks it; an answer's latency counts; no answer at all (refused, reset, lost,
// cancelled) says nothing about the server's load, and its quick failure must not pass
// for a quick server.
func outcomeOf(err error) limit.Outcome {
	switch {
	case err == nil:
		return limit.Answered
	case authentik.IsCanceled(err):
		return limit.NoSignal
	case isTimeout(err):
		return limit.Overloaded
	}
	switch authentik.StatusOf(err) {
	case 0:
		return limit.NoSignal
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return limit.Overloaded
	}
	return limit.Answered
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// concurrencyNow is the limit now, for the progress display; 0 with a fixed --concurrency.
func (p *pacer) concurrencyNow() int { return p.adaptive.Stats().Limit }

// concurrencySummary is what --concurrency auto settled on, for the summary; nil with a
// fixed --concurrency (which is the number given).
func (p *pacer) concurrencySummary() *report.Concurrency {
	if p.adaptive == nil {
		return nil
	}
	st := p.adaptive.Stats()
	return &report.Concurrency{Mode: "auto", Limit: st.Limit, MinSeen: st.Low, MaxSeen: st.High,
		MaxConcurrency: p.maxConcurrency, Decreases: st.Decreases}
}
