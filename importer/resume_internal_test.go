package importer

import (
	"testing"

	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/plan"
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
		want plan.Todo
		ok   bool
	}{
		{"password not set", created(report.StatusFailed, execute.ErrPasswordNotSet+"x", ""), plan.SetPassword | plan.SendEmail, true},
		{"hash not set", created(report.StatusFailed, execute.ErrHashNotSet+"x", ""), plan.SetHash | plan.SendEmail, true},
		{"hash refused", created(report.StatusRejected, execute.ErrHashRefused+"x", ""), plan.SetHash | plan.SendEmail, true},
		{"e-mail not sent", created(report.StatusCreated, "", "No recovery flow set."), plan.SendEmail, true},
		{"e-mail sent, hash not set", created(report.StatusFailed, execute.ErrHashNotSet+"x", "sent"), plan.SetHash, true},
		{"e-mail maybe sent: never again", created(report.StatusCreated, "", execute.EmailUnknown+"504"), 0, true},
		{"done", created(report.StatusCreated, "", "sent"), 0, false},
		{"created without e-mail", created(report.StatusCreated, "", ""), 0, false},
		{"failed create", created(report.StatusFailed, "create user: unavailable", ""), 0, false},
		{"no pk", report.Result{Line: 2, Status: report.StatusFailed, Error: execute.ErrHashNotSet}, 0, false},
		{"no uuid", report.Result{Line: 2, PK: 7, Status: report.StatusFailed, Error: execute.ErrHashNotSet}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := unfinishedCreate(tt.res)
			if ok != tt.ok || got.todo != tt.want {
				t.Errorf("got %v %v, want %v %v", got.todo, ok, tt.want, tt.ok)
			}
			if ok && (got.user.PK != 7 || got.user.UUID != "u-7") {
				t.Errorf("pk/uuid %d %q", got.user.PK, got.user.UUID)
			}
		})
	}
}
