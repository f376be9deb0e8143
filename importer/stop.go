package importer

import (
	"context"
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
