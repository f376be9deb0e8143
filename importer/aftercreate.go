package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// steps are what follows a create: the password or the password hash, then the recovery e-mail.
type steps uint8

const (
	stepPassword steps = 1 << iota // set_password (F-L3)
	stepHash                       // set_password_hash (F-H1)
	stepEmail                      // recovery_email (F-R1)
	allSteps     = stepPassword | stepHash | stepEmail
)

// The error cells of a row whose user was created but whose next step failed. They start
// with "created, " so that --resume recognises the row (unfinishedCreate) and finishes it
// without a second create.
const (
	errPasswordNotSet = "created, password not set: "
	errHashNotSet     = "created, password hash not set: "
	errHashRefused    = "created, password hash refused by authentik: "
	resumeFinishes    = " (--resume sets it without a second create)"
)

// afterCreate carries out the steps in todo for a row whose user exists now (res is
// `created` with pk and uuid): the password or hash first, then the recovery e-mail. A
// password or hash that cannot be set fails the row and skips the e-mail; an e-mail that
// cannot be sent leaves the row `created` with the reason in its onboarding cell.
func (a *applier) afterCreate(row *mapping.Row, res report.Result, todo steps) report.Result {
	pk := res.PK
	if todo&stepPassword != 0 && row.Password != "" {
		err := a.pacer.call("set password", nil, func(ctx context.Context) error {
			return a.client.SetPassword(ctx, pk, row.Password)
		})
		if err != nil {
			res.Status = report.StatusFailed
			res.Error = errPasswordNotSet + err.Error() + resumeFinishes
			return res
		}
	}
	if todo&stepHash != 0 && row.PasswordHash != "" {
		err := a.pacer.call("set password hash", nil, func(ctx context.Context) error {
			return a.client.SetPasswordHash(ctx, pk, row.PasswordHash)
		})
		var ae *authentik.Error
		switch {
		case err == nil:
		case authentik.IsRejected(err) && errors.As(err, &ae):
			// authentik's words (2026.8 refuses weak parameters): the user exists, without a password.
			res.Status, res.HTTPStatus = report.StatusRejected, ae.StatusCode
			res.Error = errHashRefused + ae.Reason() + " (the user exists without a password; send it a recovery e-mail)"
			return res
		default:
			res.Status = report.StatusFailed
			res.Error = errHashNotSet + err.Error() + resumeFinishes
			return res
		}
	}
	if todo&stepEmail != 0 && a.server.stagePK != "" {
		res.Onboarding = a.sendRecoveryEmail(row, pk)
	}
	return res
}

// msgNoEmail is authentik's answer for a user without an address (F-R1); akimport gives it
// without asking when the row has no e-mail.
const msgNoEmail = "User does not have an email address set."

// sendRecoveryEmail asks authentik to e-mail the user a recovery link and returns the
// onboarding cell: "sent", or why not in authentik's words.
func (a *applier) sendRecoveryEmail(row *mapping.Row, pk int) string {
	if !rowHasEmail(row) {
		return msgNoEmail
	}
	inBody := a.server.recoveryInBody()
	err := a.pacer.call("send recovery e-mail", nil, func(ctx context.Context) error {
		return a.client.SendRecoveryEmail(ctx, pk, a.server.stagePK, inBody)
	})
	var ae *authentik.Error
	switch {
	case err == nil:
		return report.OnboardingSent
	case authentik.IsRejected(err) && errors.As(err, &ae) && ae.Reason() != "":
		return ae.Reason()
	}
	return "not sent: " + err.Error()
}

func rowHasEmail(row *mapping.Row) bool {
	return row.Request != nil && row.Request.Email != nil && strings.TrimSpace(*row.Request.Email) != ""
}

// plannedOnboarding is a dry run's onboarding cell: which rows would get no e-mail.
func plannedOnboarding(sendEmails bool, row *mapping.Row) string {
	switch {
	case !sendEmails:
		return ""
	case !rowHasEmail(row):
		return "no email address: no recovery e-mail would be sent"
	}
	return "would be sent"
}

// unfinished is what an earlier run left undone for a user it created.
type unfinished struct {
	pk         int
	uuid       string
	todo       steps
	onboarding string // the earlier onboarding cell
	// earlier is the earlier report's row, written again when the user cannot even be read
	// this time, so that the next --resume still finds what is left undone.
	earlier report.Result
}

// unfinishedCreate reads a row of an earlier report: whether that run created the user (pk
// and uuid known) and left a step after the create undone, and which. Such rows are:
//   - `failed` with "created, password not set: …" (set_password failed),
//   - `failed` with "created, password hash not set: …" or `rejected` with "created,
//     password hash refused by authentik: …" (set_password_hash failed),
//   - `created` with an onboarding cell other than "sent" (recovery e-mail not sent).
//
// The e-mail is sent again unless the earlier run sent it.
func unfinishedCreate(res report.Result) (unfinished, bool) {
	if res.PK <= 0 || res.UUID == "" || res.Line <= 0 {
		return unfinished{}, false
	}
	u := unfinished{pk: res.PK, uuid: res.UUID, onboarding: res.Onboarding, earlier: res}
	switch {
	case res.Status == report.StatusFailed && strings.HasPrefix(res.Error, errPasswordNotSet):
		u.todo = stepPassword | stepEmail
	case (res.Status == report.StatusFailed || res.Status == report.StatusRejected) &&
		(strings.HasPrefix(res.Error, errHashNotSet) || strings.HasPrefix(res.Error, errHashRefused)):
		u.todo = stepHash | stepEmail
	case res.Status == report.StatusCreated && res.OnboardingFailed():
		u.todo = stepEmail
	default:
		return unfinished{}, false
	}
	if res.Onboarding == report.OnboardingSent {
		u.todo &^= stepEmail
	}
	return u, true
}

// noteUnfinished remembers, while --resume reads the earlier report (before any worker
// starts), the rows whose create happened and whose next steps did not; beforeCreate
// finishes them.
func (s *serverInfo) noteUnfinished(res report.Result) {
	u, ok := unfinishedCreate(res)
	if !ok {
		return
	}
	if s.unfinished == nil {
		s.unfinished = map[int]unfinished{}
	}
	s.unfinished[res.Line] = u
}

// beforeCreate handles a row that must not be created: one whose user an earlier run
// created (finished here, without a second create), or one with a password hash that this
// authentik cannot take (only reachable from standard input: for a file the preflight stops
// the run). done is false for every other row.
func (a *applier) beforeCreate(row *mapping.Row) (report.Result, bool) {
	if u, ok := a.server.unfinished[row.Line]; ok {
		return a.finishCreate(row, u), true
	}
	if row.PasswordHash != "" && !a.server.supportsHashes() {
		res := newResult(row)
		res.Status = report.StatusInvalid
		res.Error = "password_hash: " + a.server.hashVersionMessage()
		return res, true
	}
	return report.Result{}, false
}

// finishCreate checks that the user the earlier run created is still the one at its pk (the
// uuid), then carries out the steps left undone.
func (a *applier) finishCreate(row *mapping.Row, u unfinished) report.Result {
	res := newResult(row)
	res.PK, res.UUID, res.Onboarding = u.pk, u.uuid, u.onboarding
	var got *authentik.User
	err := a.pacer.call("get user", &res.Attempts, func(ctx context.Context) error {
		var e error
		got, e = a.client.GetUser(ctx, u.pk)
		return e
	})
	switch {
	case authentik.IsNotFound(err):
		res.Status, res.HTTPStatus = report.StatusFailed, 404
		res.Error = fmt.Sprintf("the earlier run created this user (pk %d) and it is gone now; it is not created again (import this line without --resume to create it anew)", u.pk)
		return res
	case err != nil:
		// Still undone: the earlier row again, so the next --resume finishes it.
		again := u.earlier
		again.Attempts = res.Attempts
		again.Warnings = append(slices.Clip(again.Warnings), fmt.Sprintf("not finished this time either: reading the user (pk %d) failed: %v", u.pk, err))
		return again
	case got.UUID != u.uuid:
		res.Status, res.HTTPStatus = report.StatusFailed, 200
		res.Error = fmt.Sprintf("the earlier run created this user (pk %d, uuid %s), but that pk now holds another user (uuid %s); not touched", u.pk, u.uuid, got.UUID)
		return res
	}
	a.log.Info("finishing a user the earlier run created", zap.Int("line", row.Line), zap.Int("pk", u.pk))
	res.Status, res.HTTPStatus = report.StatusCreated, 200
	res = a.afterCreate(row, res, u.todo)
	if res.Status == report.StatusCreated {
		res.Action = "finished the earlier run's create"
	}
	return res
}
