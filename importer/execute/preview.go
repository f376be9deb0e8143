package execute

import (
	"fmt"
	"strings"

	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// Preview is the dry run's executor: it reads what Apply would read (a destroy's fresh
// read too) and records each step as words instead of carrying it out.
type Preview struct {
	Reads *Reads // nil offline: nothing can be read
	Guard plan.Guard
	Snap  *plan.Snapshot
	// Emails: --send-recovery-email was given, so created rows say whether they get one.
	Emails bool
	// GroupName names a group UUID where known.
	GroupName func(uuid string) string
}

// Do records what Apply would do with s.
func (p *Preview) Do(s plan.Step, res report.Result) (report.Result, plan.Kind, bool) {
	res.Warnings = append(res.Warnings, s.Warnings...)
	if s.User != nil {
		res.PK, res.UUID, res.HTTPStatus = s.User.PK, s.User.UUID, 200
	}
	if (s.Kind == plan.Deactivate || s.Kind == plan.Delete) && p.Reads != nil {
		var ok bool
		if s, res, ok = recheck(p.Reads, p.Guard, s, res); !ok || s.Kind == plan.Leave || res.Status == report.StatusFailed {
			return res, s.Kind, ok
		}
	}
	if msg := tooLarge(s.Patch); msg != "" && (s.Kind == plan.Update || s.Kind == plan.Reactivate) {
		res.Status, res.Error = report.StatusInvalid, msg
		return res, s.Kind, true
	}
	res.Status, res.Action, res.Error = report.StatusPlanned, s.Describe(p.groupName), ""
	switch s.Kind {
	case plan.Create, plan.Adopt, plan.Finish:
		if p.Emails && s.Todo&plan.SendEmail != 0 {
			switch req := s.Row.Request; {
			case req.IsActive != nil && !*req.IsActive:
				res.Onboarding = report.OnboardingInactive
			case rowEmail(s.Row) == "":
				res.Onboarding = "no email address: no recovery e-mail would be sent"
			default:
				res.Onboarding = "would be sent"
			}
		}
		if s.Kind == plan.Create {
			res.Warnings = append(res.Warnings, p.emailWarnings(s.Row)...)
		}
	case plan.Conflict:
		res.Status, res.Error = report.StatusExists, ErrExistsFail
	case plan.Update, plan.Reactivate, plan.Unchanged, plan.Skip:
		res.Warnings = append(res.Warnings, p.emailWarnings(s.Row)...)
	}
	return res, s.Kind, true
}

func (p *Preview) groupName(uuid string) string {
	if p.GroupName == nil {
		return ""
	}
	return p.GroupName(uuid)
}

// emailWarnings names other users with the row's e-mail address: allowed (F-U5), but
// confusing at login. The snapshot answers from its index; otherwise it costs a request.
func (p *Preview) emailWarnings(row *mapping.Row) []string {
	email := rowEmail(row)
	if email == "" || p.Reads == nil {
		return nil
	}
	var others []string
	if p.Snap != nil {
		if o := p.Snap.EmailHolder(email, row.Username); o != "" {
			others = []string{o}
		}
	} else {
		others = p.Reads.EmailHolders(email, row.Username)
	}
	if len(others) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("duplicate email address: authentik user %s has it too", strings.Join(others, ", "))}
}
