package authentik

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorHelpers(t *testing.T) {
	unique := &Error{Kind: KindRejected, StatusCode: 400, Fields: FieldErrors{"username": {"This field must be unique."}}}
	tests := []struct {
		name                                      string
		err                                       error
		fatal, transient, rejected, unique, acted bool
	}{
		{name: "nil", err: nil},
		{name: "plain error may have acted", err: errors.New("x"), acted: true},
		{name: "unique violation", err: unique, rejected: true, unique: true},
		{name: "wrapped unique violation", err: fmt.Errorf("line 4: %w", unique), rejected: true, unique: true},
		{name: "other 400", err: &Error{Kind: KindRejected, Fields: FieldErrors{"email": {"This field must be unique."}}}, rejected: true},
		{name: "fatal", err: &Error{Kind: KindFatal, StatusCode: 403}, fatal: true},
		{name: "transient acted", err: &Error{Kind: KindTransient, StatusCode: 502, mayHaveActed: true}, transient: true, acted: true},
		{name: "transient not acted", err: &Error{Kind: KindTransient, StatusCode: 429}, transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [5]bool{IsFatal(tt.err), IsTransient(tt.err), IsRejected(tt.err), IsUniqueViolation(tt.err), MayHaveActed(tt.err)}
			want := [5]bool{tt.fatal, tt.transient, tt.rejected, tt.unique, tt.acted}
			if got != want {
				t.Errorf("fatal, transient, rejected, unique, acted: got %v, want %v", got, want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"rejected", &Error{Op: "create user", Kind: KindRejected, StatusCode: 400,
			Fields: FieldErrors{"email": {"Enter a valid email address."}, "username": {"This field may not be blank."}}},
			"create user: rejected (400): email: Enter a valid email address.; username: This field may not be blank."},
		{"token refused", &Error{Kind: KindFatal, StatusCode: 403, Detail: "Token invalid/expired"},
			"authentik refused the token (403): Token invalid/expired"},
		{"network", &Error{Op: "find user", Kind: KindTransient, Err: errors.New("connection refused")},
			"find user: no answer from authentik: connection refused"},
		{"tls", &Error{Op: "create user", Kind: KindFatal, Detail: "the server's TLS certificate is not trusted: x509: unknown authority", hint: "use --insecure only if you trust this server"},
			"create user: cannot talk to authentik: the server's TLS certificate is not trusted: x509: unknown authority; use --insecure only if you trust this server"},
		{"canceled", &Error{Op: "create user", Kind: KindCanceled, Err: context.Canceled},
			"create user: canceled: context canceled"},
		{"unavailable with wait", &Error{Kind: KindTransient, StatusCode: 503, RetryAfter: 5e9},
			"authentik is unavailable (503) (retry after 5s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	if got, want := KindTransient.String(), "transient"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := Kind(42).String(), "Kind(42)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
