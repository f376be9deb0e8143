package authentik

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestShouldRetry(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("x"), false},
		{"transient", &Error{Kind: KindTransient, StatusCode: 503}, true},
		{"wrapped transient", fmt.Errorf("row 3: %w", &Error{Kind: KindTransient}), true},
		{"rejected 400", &Error{Kind: KindRejected, StatusCode: 400}, false},
		{"fatal 403", &Error{Kind: KindFatal, StatusCode: 403}, false},
		{"not found 404", &Error{Kind: KindNotFound, StatusCode: 404}, false},
		{"unexpected", &Error{Kind: KindUnexpected, StatusCode: 409}, false},
		{"canceled", &Error{Kind: KindCanceled, Err: context.Canceled}, false},
		{"transient wrapping a cancel", &Error{Kind: KindTransient, Err: context.Canceled}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldRetry(tt.err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	const ms = time.Millisecond
	constant := func(v float64) func() float64 { return func() float64 { return v } }
	tests := []struct {
		name       string
		b          Backoff
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first retry, no jitter", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0)}, 1, 0, 50 * ms},
		{"first retry, three quarters jitter", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0.75)}, 1, 0, 87500 * time.Microsecond},
		{"third retry doubles twice", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0.5)}, 3, 0, 300 * ms},
		{"capped at max", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0)}, 10, 0, 500 * ms},
		{"huge attempt does not overflow", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0)}, 1000, 0, 500 * ms},
		{"huge max does not overflow", Backoff{Min: time.Second, Max: 1<<63 - 1, Rand: constant(0)}, 200, 0, (1<<63 - 1) / 2},
		{"attempt 0 is the first", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0)}, 0, 0, 50 * ms},
		{"retry-after wins", Backoff{Min: 100 * ms, Max: time.Second, Rand: constant(0)}, 1, 7 * time.Second, 7 * time.Second},
		{"retry-after below min is kept", Backoff{Min: time.Second, Max: 2 * time.Second}, 3, 10 * ms, 10 * ms},
		{"retry-after capped by default", Backoff{Min: ms, Max: ms}, 1, time.Hour, DefaultMaxRetryAfter},
		{"retry-after capped by config", Backoff{MaxRetryAfter: time.Minute}, 1, time.Hour, time.Minute},
		{"zero backoff", Backoff{}, 3, 0, 0},
		{"max below min uses min", Backoff{Min: 100 * ms, Max: 10 * ms, Rand: constant(0)}, 2, 0, 50 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Delay(tt.attempt, tt.retryAfter); got != tt.want {
				t.Errorf("Delay(%d, %v): got %v, want %v", tt.attempt, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestBackoffDelayDefaultRandStaysInRange(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		for range 50 {
			step := min(b.Min<<(attempt-1), b.Max)
			if got := b.Delay(attempt, 0); got < step/2 || got > step {
				t.Fatalf("Delay(%d): got %v, want within [%v, %v]", attempt, got, step/2, step)
			}
		}
	}
}
