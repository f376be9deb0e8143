package importer

import (
	"context"
	"errors"
	"fmt"
)

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
