package importer

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// setUpStop makes the run's two contexts from the parent ctx (cancelled by the first
// SIGINT/SIGTERM). stopCtx ends the intake of rows: the signal, --max-errors or a fatal
// error. reqCtx carries the requests: it is cancelled only DrainTimeout after a stop, or at
// once by Config.Abort (a second signal), so rows in flight get their answer and are
// reported. The returned function releases both.
func (r *run) setUpStop(ctx context.Context) (release func()) {
	cfg := &r.cfg
	r.stopCtx, r.stop = context.WithCancelCause(ctx)
	reqCtx, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	r.reqCtx = reqCtx
	go func() {
		<-r.stopCtx.Done()
		if ctx.Err() != nil {
			r.log.Warn("interrupted: no new rows are taken; the requests in flight may finish (a second signal cancels them)",
				zap.Duration("at_most", cfg.DrainTimeout))
		}
		t := time.NewTimer(cfg.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			hardCancel()
		case <-cfg.Abort:
			r.log.Warn("second signal: cancelling the requests in flight")
			hardCancel()
		case <-reqCtx.Done():
		}
	}()
	return func() {
		r.stop(nil)
		hardCancel()
	}
}
