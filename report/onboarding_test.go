package report

import (
	"bytes"
	"testing"
)

// A created row whose recovery e-mail was not sent fails the run and is left for --resume.
func TestOnboardingFailed(t *testing.T) {
	tests := []struct {
		name             string
		res              Result
		failed, done, ob bool
	}{
		{"created, no e-mail asked", Result{Status: StatusCreated}, false, true, false},
		{"created, sent", Result{Status: StatusCreated, Onboarding: OnboardingSent}, false, true, false},
		{"created, not sent", Result{Status: StatusCreated, Onboarding: "User does not have an email address set."}, true, false, true},
		{"planned, would not be sent", Result{Status: StatusPlanned, Onboarding: "no email address: no recovery e-mail would be sent"}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.res.Failed(); got != tt.failed {
				t.Errorf("Failed() = %v, want %v", got, tt.failed)
			}
			if got := tt.res.Done(); got != tt.done {
				t.Errorf("Done() = %v, want %v", got, tt.done)
			}
			if got := tt.res.OnboardingFailed(); got != tt.ob {
				t.Errorf("OnboardingFailed() = %v, want %v", got, tt.ob)
			}
		})
	}
}

// The onboarding cell survives a write and a read, in both formats.
func TestOnboardingRoundTrip(t *testing.T) {
	want := Result{Line: 2, Username: "a", Status: StatusCreated, PK: 3, UUID: "u", Attempts: 1, Onboarding: "No recovery flow set."}
	for name, w := range map[string]func(*bytes.Buffer) Writer{
		"csv":   func(b *bytes.Buffer) Writer { return NewCSVWriter(b) },
		"jsonl": func(b *bytes.Buffer) Writer { return NewJSONLWriter(b) },
	} {
		var buf bytes.Buffer
		writeAll(t, w(&buf), []Result{want})
		var got []Result
		if err := Read(&buf, func(r Result) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Onboarding != want.Onboarding {
			t.Errorf("%s: got %+v", name, got)
		}
	}
}
