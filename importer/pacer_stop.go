package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// setUpStop makes the run's two contexts from the parent ctx (cancelled by the first
// SIGINT/SIGTERM). stopCtx ends the intake of rows: the signal, --max-errors or a fatal
// error. reqCtx carries the requests: it is cancelled only drain after a stop, or at once
// by abort (a second signal), so rows in flight get their answer and are reported. The
// returned function releases both.
func (p *pacer) setUpStop(ctx context.Context, drain time.Duration, abort <-chan struct{}) (release func()) {
	p.stopCtx, p.stop = context.WithCancelCause(ctx)
	reqCtx, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	p.reqCtx = reqCtx
	go func() {
		<-p.stopCtx.Done()
		if ctx.Err() != nil {
			p.log.Warn("interrupted: no new rows are taken; the requests in flight may finish (a second signal cancels them)",
				zap.Duration("at_most", drain))
		}
		t := time.NewTimer(drain)
		defer t.Stop()
		select {
		case <-t.C:
			hardCancel()
		case <-abort:
			p.log.Warn("second signal: cancelling the requests in flight")
			hardCancel()
		case <-reqCtx.Done():
		}
	}()
	return func() {
		p.stop(nil)
		hardCancel()
	}
}

// stopped reports whether the intake of rows has ended.
func (p *pacer) stopped() bool { return p.stopCtx.Err() != nil }

// outcome decides what the run's error is, most serious first.
func (p *pacer) outcome(ctx context.Context, runErr, writeErr error, failures int) error {
	cause := context.Cause(p.stopCtx)
	switch {
	case writeErr != nil:
		return fmt.Errorf("the report could not be written, the run stopped: %w", writeErr)
	case p.fatal.Load() != nil:
		return p.fatal.Load()
	case runErr != nil:
		return runErr
	case ctx.Err() != nil:
		return ErrInterrupted
	case errors.Is(cause, ErrMaxErrors):
		return ErrMaxErrors
	case failures > 0:
		return ErrRowsFailed
	}
	return nil
}

// interruptedOr is ErrInterrupted when a signal stopped the run before its rows, else err:
// a request not made because of Ctrl-C is no fatal error (exit 130, not 3).
func interruptedOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return err
}
