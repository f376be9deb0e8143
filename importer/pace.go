package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
)

// errStopped means the run was stopped (signal, --max-errors, fatal) before a request
// could be made.
var errStopped = errors.New("the run was stopped before this request could be made")

// pace waits before attempt number try (0 = first): the backoff after a transient failure
// (Retry-After wins), then a token from the one limiter all workers share, so retries count
// against --rate too. It returns errStopped if the run stops meanwhile.
func (r *run) pace(try int, lastErr error) error {
	if try > 0 && authentik.IsStarting(lastErr) {
		// authentik is starting or its backend is down (F-S1): wait until it is ready, so
		// the start-up does not use up the request's retries (migrate.go).
		if err := r.waitUntilReady(lastErr); err != nil {
			return errStopped
		}
	} else if try > 0 {
		t := time.NewTimer(r.backoff.Delay(try, authentik.RetryAfterOf(lastErr)))
		select {
		case <-t.C:
		case <-r.stopCtx.Done():
			t.Stop()
			return errStopped
		}
	}
	if err := r.limiter.Wait(r.stopCtx); err != nil {
		return errStopped
	}
	return nil
}

// call makes one logical request through pace, retrying transient failures up to --retries
// times. It is for requests that are safe to repeat (lookups, PATCH, set_password); creates
// have their own loop because a lost create must be reconciled before it is retried.
// attempts, when not nil, counts the tries made.
func (r *run) call(what string, attempts *int, op func(ctx context.Context) error) error {
	var err error
	for try := 0; ; try++ {
		if perr := r.pace(try, err); perr != nil {
			if err != nil {
				return fmt.Errorf("%w (last error: %w)", perr, err)
			}
			return perr
		}
		if attempts != nil {
			*attempts++
		}
		err = op(r.reqCtx)
		r.noteAnswer(err)
		if err == nil {
			return nil
		}
		if r.noteFatal(err) || !authentik.ShouldRetry(err) || try >= r.cfg.Retries {
			r.noteGaveUp(err)
			return err
		}
		r.log.Debug("retrying", zap.String("request", what), zap.Int("attempt", try+1), zap.Error(err))
	}
}

// noteAnswer remembers that authentik answered at all, which tells an unreachable server
// (fatal) from one that fails some requests.
func (r *run) noteAnswer(err error) {
	if err == nil || authentik.StatusOf(err) > 0 {
		r.anySuccess.Store(true)
	}
	if err == nil || (!authentik.IsTransient(err) && !authentik.IsCanceled(err)) {
		r.giveUpsInARow.Store(0) // authentik works: earlier give-ups were bad luck
	}
}

// noteFatal stops the run if err means no further request can succeed (403, TLS, wrong URL).
func (r *run) noteFatal(err error) bool {
	if !authentik.IsFatal(err) {
		return false
	}
	r.stop(&FatalError{Err: err})
	return true
}

// noteGaveUp turns "never reached authentik at all" into a fatal error: a run against a
// wrong or dead URL must stop, not fail every row one by one. So does a server that stops
// answering mid-run: once giveUpLimit requests in a row gave up on transient failures,
// with no good answer between them, the rest would fail the same way (each after all its
// retries: hours for a big file), so the run stops and --resume finishes it later.
func (r *run) noteGaveUp(err error) {
	if !authentik.IsTransient(err) || authentik.IsCanceled(err) {
		return
	}
	if !r.anySuccess.Load() && authentik.StatusOf(err) == 0 {
		r.stop(&FatalError{Err: fmt.Errorf("authentik at %s could not be reached after %d attempts: %w", r.cfg.URL, r.cfg.Retries+1, err)})
		return
	}
	if n := r.giveUpsInARow.Add(1); n == int64(r.giveUpLimit()) {
		r.stop(&FatalError{Err: fmt.Errorf("authentik at %s stopped answering: %d requests in a row failed after %d attempts each (rows not sent are left for --resume): %w",
			r.cfg.URL, n, r.cfg.Retries+1, err)})
	}
}

// giveUpLimit is how many requests in a row may give up before the run stops: more than
// the workers can have in flight, so one bad moment shared by all of them is not enough.
func (r *run) giveUpLimit() int { return max(2*r.cfg.Concurrency, 8) }
