package importer

import (
	"testing"

	"github.com/akimport/akimport/report"
)

// TestUnfinishedCreate: which rows of an earlier report --resume finishes without a
// second create, and what it does for each.
func TestUnfinishedCreate(t *testing.T) {
	created := func(status report.Status, errText, onboarding string) report.Result {
		return report.Result{Line: 2, Username: "a", Status: status, PK: 7, UUID: "u-7", Error: errText, Onboarding: onboarding}
	}
	tests := []struct {
		name string
		res  report.Result
		want steps
		ok   bool
	}{
		{"password not set", created(report.StatusFailed, errPasswordNotSet+"x", ""), stepPassword | stepEmail, true},
		{"hash not set", created(report.StatusFailed, errHashNotSet+"x", ""), stepHash | stepEmail, true},
		{"hash refused", created(report.StatusRejected, errHashRefused+"x", ""), stepHash | stepEmail, true},
		{"e-mail not sent", created(report.StatusCreated, "", "No recovery flow set."), stepEmail, true},
		{"e-mail sent, hash not set", created(report.StatusFailed, errHashNotSet+"x", "sent"), stepHash, true},
		{"done", created(report.StatusCreated, "", "sent"), 0, false},
		{"created without e-mail", created(report.StatusCreated, "", ""), 0, false},
		{"failed create", created(report.StatusFailed, "create user: unavailable", ""), 0, false},
		{"no pk", report.Result{Line: 2, Status: report.StatusFailed, Error: errHashNotSet}, 0, false},
		{"no uuid", report.Result{Line: 2, PK: 7, Status: report.StatusFailed, Error: errHashNotSet}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := unfinishedCreate(tt.res)
			if ok != tt.ok || got.todo != tt.want {
				t.Errorf("got %v %v, want %v %v", got.todo, ok, tt.want, tt.ok)
			}
			if ok && (got.pk != 7 || got.uuid != "u-7") {
				t.Errorf("pk/uuid %d %q", got.pk, got.uuid)
			}
		})
	}
}
