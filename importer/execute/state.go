// Package execute carries out the steps of a plan against authentik: pacing (one limiter,
// backoff, --concurrency auto), the run's stop, the reads that learn what authentik holds,
// and the writes, each with its proof. A Preview carries the same steps out as words.
package execute

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
)

// ErrStopped means the run stopped (signal, --max-errors, fatal) before a request was made.
var ErrStopped = errors.New("the run was stopped before this request could be made")

// FatalError ends the whole run at once: the token was refused, authentik could not be
// reached, or its certificate is not trusted (exit 3).
type FatalError struct{ Err error }

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// State is the run's stop and what the answers said about the server. Stopping ends the
// intake of work (StopCtx); requests in flight keep ReqCtx until the drain ends.
type State struct {
	log     *zap.Logger
	url     string
	retries int
	StopCtx context.Context
	stop    context.CancelCauseFunc
	ReqCtx  context.Context
	// fatal is kept apart from the stop's cause: a 403 after --max-errors still exits 3.
	fatal      atomic.Pointer[FatalError]
	anyAnswer  atomic.Bool
	giveUps    atomic.Int64 // requests in a row that gave up on transient failures
	giveUpStop int64
	release    func()
}

// NewState makes the run's contexts from ctx (cancelled by the first signal). After a stop,
// requests in flight may finish for drain, or until abort (a second signal) is closed.
func NewState(ctx context.Context, log *zap.Logger, url string, retries, workers int, drain time.Duration, abort <-chan struct{}) *State {
	s := &State{log: log, url: url, retries: retries, giveUpStop: int64(max(2*workers, 8))}
	s.StopCtx, s.stop = context.WithCancelCause(ctx)
	reqCtx, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	s.ReqCtx = reqCtx
	go func() {
		<-s.StopCtx.Done()
		if ctx.Err() != nil {
			log.Warn("interrupted: no new rows are taken; the requests in flight may finish (a second signal cancels them)",
				zap.Duration("at_most", drain))
		}
		t := time.NewTimer(drain)
		defer t.Stop()
		select {
		case <-t.C:
		case <-abort:
			log.Warn("second signal: cancelling the requests in flight")
		case <-reqCtx.Done():
		}
		hardCancel()
	}()
	s.release = func() { s.stop(nil); hardCancel() }
	return s
}

// Close releases the contexts.
func (s *State) Close() { s.release() }

// Stop ends the intake of work with cause.
func (s *State) Stop(cause error) { s.stop(cause) }

// Stopped reports whether the intake has ended.
func (s *State) Stopped() bool { return s.StopCtx.Err() != nil }

// Cause is why the run stopped; nil while it runs.
func (s *State) Cause() error { return context.Cause(s.StopCtx) }

// Fatal is the run's first fatal error, nil if none.
func (s *State) Fatal() *FatalError { return s.fatal.Load() }

// Fail stops the run with a fatal error; the first one is the run's.
func (s *State) Fail(err error) {
	f := &FatalError{Err: err}
	s.fatal.CompareAndSwap(nil, f)
	s.stop(f)
}

// noteAnswer remembers that authentik answered at all: an unreachable server is fatal, one
// that fails some requests is not.
func (s *State) noteAnswer(err error) {
	if err == nil || authentik.StatusOf(err) > 0 {
		s.anyAnswer.Store(true)
	}
	if err == nil || (!authentik.IsTransient(err) && !authentik.IsCanceled(err)) {
		s.giveUps.Store(0)
	}
}

// noteFatal stops the run if err means no request can succeed (403, TLS, wrong URL).
func (s *State) noteFatal(err error) bool {
	if authentik.IsFatal(err) {
		s.Fail(err)
		return true
	}
	return false
}

// noteGaveUp stops the run when authentik was never reached, or when so many requests in a
// row gave up that the rest would fail the same way, each after all its retries.
func (s *State) noteGaveUp(err error) {
	if !authentik.IsTransient(err) || authentik.IsCanceled(err) {
		return
	}
	if !s.anyAnswer.Load() && authentik.StatusOf(err) == 0 {
		s.Fail(fmt.Errorf("authentik at %s could not be reached after %d attempts: %w", s.url, s.retries+1, err))
		return
	}
	if n := s.giveUps.Add(1); n == s.giveUpStop {
		s.Fail(fmt.Errorf("authentik at %s stopped answering: %d requests in a row failed after %d attempts each (rows not sent are left for --resume): %w",
			s.url, n, s.retries+1, err))
	}
}
