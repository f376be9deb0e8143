package importer

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/limit"
)

// errStopped means the run was stopped (signal, --max-errors, fatal) before a request
// could be made.
var errStopped = errors.New("the run was stopped before this request could be made")

// pacer is the one place requests are paced: the rate limiter all workers share, the backoff
// between retries, and what the answers say about the server (unreachable, refusing the
// token, gone). It also owns the run's stop: stopCtx ends the intake of rows, reqCtx carries
// the requests in flight (see setUpStop).
type pacer struct {
	log     *zap.Logger
	url     string
	limiter *rate.Limiter
	// adaptive is --concurrency auto's limit on requests in flight; nil otherwise.
	adaptive       *limit.Limiter
	maxConcurrency int
	backoff        authentik.Backoff
	retries        int
	// startupWait bounds the wait for an authentik that is starting (F-S1); probe asks it
	// whether it is ready (GET admin/version/), nil until the preflight sets it.
	startupWait time.Duration
	probe       func(ctx context.Context) error
	// giveUpLimit is how many requests in a row may give up before the run stops: more
	// than the workers can have in flight, so one bad moment shared by all is not enough.
	giveUpLimit int64

	stopCtx context.Context
	stop    context.CancelCauseFunc
	reqCtx  context.Context

	// fatal is the first fatal error, kept apart from the stop's cause: a 403 that comes
	// after --max-errors stopped the run must still end it with exit 3.
	fatal      atomic.Pointer[FatalError]
	anySuccess atomic.Bool // some request got an answer: authentik is reachable
	// giveUpsInARow counts requests that gave up on transient failures since authentik
	// last answered well (see noteGaveUp).
	giveUpsInARow atomic.Int64
}

func newPacer(cfg *Config) *pacer {
	b := cfg.Backoff
	if b.Max == 0 {
		b = authentik.DefaultBackoff
	}
	perSecond := rate.Inf
	if cfg.Rate > 0 {
		perSecond = rate.Limit(cfg.Rate)
	}
	return &pacer{
		log: cfg.Logger, url: cfg.URL, limiter: rate.NewLimiter(perSecond, cfg.Burst), backoff: b,
		adaptive: newAdaptiveLimit(cfg), maxConcurrency: cfg.MaxConcurrency,
		retries: cfg.Retries, giveUpLimit: int64(max(2*cfg.Concurrency, 8)), startupWait: cfg.StartupWait,
	}
}

// wait waits before attempt number try (0 = first) of a request of kind: the backoff after
// a transient failure (Retry-After wins), then, with --concurrency auto, a slot of the
// adaptive limit, then a token from the one limiter all workers share, so retries count
// against both. It returns errStopped if the run stops meanwhile; otherwise the caller
// sends the request and must call done with its error, which frees the slot and tells the
// adaptive limit how the server answered.
func (p *pacer) wait(kind string, try int, lastErr error) (done func(error), err error) {
	if try > 0 && authentik.IsStarting(lastErr) {
		// authentik is starting or its backend is down (F-S1): wait until it is ready, so
		// the start-up does not use up the request's retries (migrate.go).
		if err := p.waitUntilReady(lastErr); err != nil {
			return nil, errStopped
		}
	} else if try > 0 {
		t := time.NewTimer(p.backoff.Delay(try, authentik.RetryAfterOf(lastErr)))
		select {
		case <-t.C:
		case <-p.stopCtx.Done():
			t.Stop()
			return nil, errStopped
		}
	}
	slot, err := p.adaptive.Acquire(p.stopCtx, kind)
	if err != nil {
		return nil, errStopped
	}
	if err := p.limiter.Wait(p.stopCtx); err != nil {
		slot.End(limit.NoSignal)
		return nil, errStopped
	}
	slot.Begin()
	return func(err error) { slot.End(outcomeOf(err)) }, nil
}

// call makes one logical request through wait, retrying transient failures up to --retries
// times. It is for requests that are safe to repeat (lookups, PATCH, set_password, pages);
// creates have their own loop because a lost create must be reconciled before it is retried.
// attempts, when not nil, counts the tries made.
func (p *pacer) call(what string, attempts *int, op func(ctx context.Context) error) error {
	var err error
	for try := 0; ; try++ {
		done, werr := p.wait(what, try, err)
		if werr != nil {
			if err != nil {
				return fmt.Errorf("%w (last error: %w)", werr, err)
			}
			return werr
		}
		if attempts != nil {
			*attempts++
		}
		err = op(p.reqCtx)
		done(err)
		p.noteAnswer(err)
		if err == nil {
			return nil
		}
		if p.noteFatal(err) || !authentik.ShouldRetry(err) || try >= p.retries {
			p.noteGaveUp(err)
			return err
		}
		p.log.Debug("retrying", zap.String("request", what), zap.Int("attempt", try+1), zap.Error(err))
	}
}

// noteAnswer remembers that authentik answered at all, which tells an unreachable server
// (fatal) from one that fails some requests.
func (p *pacer) noteAnswer(err error) {
	if err == nil || authentik.StatusOf(err) > 0 {
		p.anySuccess.Store(true)
	}
	if err == nil || (!authentik.IsTransient(err) && !authentik.IsCanceled(err)) {
		p.giveUpsInARow.Store(0) // authentik works: earlier give-ups were bad luck
	}
}

// noteFatal stops the run if err means no further request can succeed (403, TLS, wrong URL).
func (p *pacer) noteFatal(err error) bool {
	if !authentik.IsFatal(err) {
		return false
	}
	p.fail(err)
	return true
}

// fail stops the run with a fatal error; the first one is the run's.
func (p *pacer) fail(err error) {
	f := &FatalError{Err: err}
	p.fatal.CompareAndSwap(nil, f)
	p.stop(f)
}

// noteGaveUp turns "never reached authentik at all" into a fatal error: a run against a
// wrong or dead URL must stop, not fail every row one by one. So does a server that stops
// answering mid-run: once giveUpLimit requests in a row gave up on transient failures,
// with no good answer between them, the rest would fail the same way (each after all its
// retries: hours for a big file), so the run stops and --resume finishes it later.
func (p *pacer) noteGaveUp(err error) {
	if !authentik.IsTransient(err) || authentik.IsCanceled(err) {
		return
	}
	if !p.anySuccess.Load() && authentik.StatusOf(err) == 0 {
		p.fail(fmt.Errorf("authentik at %s could not be reached after %d attempts: %w", p.url, p.retries+1, err))
		return
	}
	if n := p.giveUpsInARow.Add(1); n == p.giveUpLimit {
		p.fail(fmt.Errorf("authentik at %s stopped answering: %d requests in a row failed after %d attempts each (rows not sent are left for --resume): %w",
			p.url, n, p.retries+1, err))
	}
}
