package execute

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/limit"
)

// Pacer is the one place requests are paced: the limiter every worker shares, backoff
// between retries (Retry-After wins), --concurrency auto's limit, and the wait for an
// authentik that is starting (F-S1).
type Pacer struct {
	*State
	log         *zap.Logger
	limiter     *rate.Limiter
	adaptive    *limit.Limiter // nil with a fixed --concurrency
	backoff     authentik.Backoff
	retries     int
	startupWait time.Duration
	// probe asks whether authentik is ready (GET admin/version/); set by the preflight.
	probe func(ctx context.Context) error
}

// Pace is the pacing part of the configuration.
type Pace struct {
	Rate        float64 // requests/s, 0 = no limit
	Burst       int
	Retries     int
	Backoff     authentik.Backoff
	StartupWait time.Duration
	Adaptive    *limit.Limiter
}

// NewPacer paces requests for the run whose state is st.
func NewPacer(st *State, log *zap.Logger, p Pace) *Pacer {
	if p.Backoff.Max == 0 {
		p.Backoff = authentik.DefaultBackoff
	}
	perSecond := rate.Inf
	if p.Rate > 0 {
		perSecond = rate.Limit(p.Rate)
	}
	return &Pacer{State: st, log: log, limiter: rate.NewLimiter(perSecond, p.Burst), adaptive: p.Adaptive,
		backoff: p.Backoff, retries: p.Retries, startupWait: p.StartupWait}
}

// wait waits before attempt try (0 = first): the backoff after a failure, a slot of the
// adaptive limit, a token of the shared limiter, for as long as gate lasts (StopCtx: new
// work; ReqCtx: work that settles a request already sent). The caller sends, then calls done.
func (p *Pacer) wait(gate context.Context, kind string, try int, lastErr error) (done func(error), err error) {
	switch {
	case try > 0 && authentik.IsStarting(lastErr):
		if err := p.waitUntilReady(lastErr); err != nil {
			return nil, err
		}
	case try > 0:
		if err := p.sleep(gate, p.backoff.Delay(try, authentik.RetryAfterOf(lastErr))); err != nil {
			return nil, err
		}
	}
	slot, err := p.adaptive.Acquire(gate, kind)
	if err != nil {
		return nil, ErrStopped
	}
	if err := p.limiter.Wait(gate); err != nil {
		slot.End(limit.NoSignal)
		return nil, ErrStopped
	}
	slot.Begin()
	return func(err error) { slot.End(outcomeOf(err)) }, nil
}

func (p *Pacer) sleep(gate context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-gate.Done():
		return ErrStopped
	}
}

// Call makes one logical request, retrying transient failures up to --retries times. It is
// for requests that are safe to repeat; attempts, when not nil, counts the tries.
func (p *Pacer) Call(what string, attempts *int, op func(ctx context.Context) error) error {
	return p.call(p.StopCtx, what, attempts, func(error) bool { return true }, op)
}

// Settle is Call for a request that settles one already sent (a lookup after a create's
// unclear answer): it goes on after a stop, while the requests in flight may finish.
func (p *Pacer) Settle(what string, op func(ctx context.Context) error) error {
	return p.call(p.ReqCtx, what, nil, func(error) bool { return true }, op)
}

// call is Call, gated by gate, that retries only while again(last error) allows it.
func (p *Pacer) call(gate context.Context, what string, attempts *int, again func(error) bool, op func(ctx context.Context) error) error {
	var err error
	for try := 0; ; try++ {
		done, werr := p.wait(gate, what, try, err)
		if werr != nil {
			if err != nil {
				return fmt.Errorf("%w (last error: %w)", werr, err)
			}
			return werr
		}
		if attempts != nil {
			*attempts++
		}
		err = op(p.ReqCtx)
		done(err)
		p.noteAnswer(err)
		if err == nil {
			return nil
		}
		if p.noteFatal(err) || !authentik.ShouldRetry(err) || try >= p.retries || !again(err) {
			p.noteGaveUp(err)
			return err
		}
		p.log.Debug("retrying", zap.String("request", what), zap.Int("attempt", try+1), zap.Error(err))
	}
}

// Await is Call that also waits out an authentik that is starting or whose backend is down
// (F-S1), for up to the start-up wait; the preflight's requests use it.
func (p *Pacer) Await(what string, op func(ctx context.Context) error) error {
	deadline := time.Now().Add(p.startupWait)
	for try := 1; ; try++ {
		err := p.Call(what, nil, op)
		if err == nil || !authentik.IsStarting(err) || p.Stopped() {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: authentik was still not ready after %s: %w", what, p.startupWait, err)
		}
		p.giveUps.Store(0)
		p.log.Info("authentik is not ready; waiting", zap.String("request", what), zap.Error(err))
		if err := p.sleep(p.StopCtx, p.backoff.Delay(try, authentik.RetryAfterOf(err))); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// waitUntilReady waits, after a start-up answer, until authentik answers as itself or the
// start-up wait has passed (the request's own retries then decide).
func (p *Pacer) waitUntilReady(err error) error {
	deadline := time.Now().Add(p.startupWait)
	p.log.Info("authentik is starting or its backend is down; waiting for it", zap.Duration("at_most", p.startupWait),
		zap.String("answer", authentik.StatusText(err)))
	for try := 1; authentik.IsStarting(err) && time.Now().Before(deadline); try++ {
		if err := p.sleep(p.StopCtx, p.backoff.Delay(try, authentik.RetryAfterOf(err))); err != nil {
			return err
		}
		if p.limiter.Wait(p.StopCtx) != nil {
			return ErrStopped
		}
		if p.probe == nil {
			return nil
		}
		err = p.probe(p.ReqCtx)
	}
	return nil
}

// outcomeOf says what an answer tells the adaptive limit: overload shrinks it, an answer's
// latency counts, no answer at all says nothing about the server's load.
func outcomeOf(err error) limit.Outcome {
	var netErr net.Error
	switch {
	case err == nil:
		return limit.Answered
	case authentik.IsCanceled(err):
		return limit.NoSignal
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
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
