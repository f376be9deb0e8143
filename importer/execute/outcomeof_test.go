package execute

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/limit"
)

// timeoutErr is a net.Error that timed out, as net/http returns for a read deadline.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestOutcomeOf(t *testing.T) {
	answer := func(status int, kind authentik.Kind) error {
		return &authentik.Error{Op: "create user", StatusCode: status, Kind: kind}
	}
	tests := []struct {
		name string
		err  error
		want limit.Outcome
	}{
		{"success", nil, limit.Answered},
		{"400: an answer, its latency counts", answer(400, authentik.KindRejected), limit.Answered},
		{"500: authentik answered (a duplicate race, F-U13)", answer(500, authentik.KindTransient), limit.Answered},
		{"429", answer(429, authentik.KindTransient), limit.Overloaded},
		{"502", answer(502, authentik.KindTransient), limit.Overloaded},
		{"503", answer(503, authentik.KindTransient), limit.Overloaded},
		{"504", answer(504, authentik.KindTransient), limit.Overloaded},
		{"timeout", &authentik.Error{Kind: authentik.KindTransient, Err: fmt.Errorf("post: %w", context.DeadlineExceeded)}, limit.Overloaded},
		{"read timeout", &authentik.Error{Kind: authentik.KindTransient, Err: timeoutErr{}}, limit.Overloaded},
		{"connection refused: no answer, no signal", &authentik.Error{Kind: authentik.KindTransient, Err: syscall.ECONNREFUSED}, limit.NoSignal},
		{"cancelled by the run", &authentik.Error{Kind: authentik.KindCanceled, Err: context.Canceled}, limit.NoSignal},
		{"an error that is not the client's", errors.New("something"), limit.NoSignal},
	}
	for _, tt := range tests {
		if got := outcomeOf(tt.err); got != tt.want {
			t.Errorf("%s: outcomeOf(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
