package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// Executor carries steps out: Apply writes, Preview says what Apply would do. Do returns the
// row's report entry and the kind of step carried out; ok is false when the run stopped
// before anything was sent for it (the row stays out of the report, for --resume).
type Executor interface {
	Do(s plan.Step, res report.Result) (out report.Result, kind plan.Kind, ok bool)
}

// Apply is the executor that writes. Every irreversible write has its proof: a user is
// taken as this import's only by plan.Decide (the pk mark), a destroy only after a fresh read.
type Apply struct {
	*Reads
	Server Server
	Policy plan.Policy
	Guard  plan.Guard
	Order  *plan.RequestOrder
	// GroupName names a group UUID where known, for the words of an update.
	GroupName func(uuid string) string
}

// Texts that a later run reads back from the report's error cell.
const (
	// MayHaveCreated marks a failed row whose create may have gone through unseen.
	MayHaveCreated = "the user may have been created"
	// The error cells of a row whose user was created and whose next step failed; --resume
	// finishes such rows without a second create.
	ErrPasswordNotSet = "created, password not set: "
	ErrHashNotSet     = "created, password hash not set: "
	ErrHashRefused    = "created, password hash refused by authentik: "
	resumeFinishes    = " (--resume sets it without a second create)"
	// EmailUnknown starts the onboarding cell of an e-mail that may have been sent: it is
	// never sent again, so no user gets two.
	EmailUnknown = "unknown, not retried: "
	// ErrExistsFail is the error cell of `exists` under --on-existing fail.
	ErrExistsFail = "username: This field must be unique. (it already exists in authentik; --on-existing skip or update handles that)"
)

// Do carries out s for the row res describes.
func (a *Apply) Do(s plan.Step, res report.Result) (report.Result, plan.Kind, bool) {
	res.Warnings = append(res.Warnings, s.Warnings...)
	if s.User != nil {
		res.PK, res.UUID = s.User.PK, s.User.UUID
		if res.HTTPStatus == 0 {
			res.HTTPStatus = 200 // the read that told the plan
		}
	}
	switch s.Kind {
	case plan.Create:
		return a.create(s, res)
	case plan.Adopt:
		a.P.log.Info("create confirmed by lookup: the user has a pk above the mark and the row's fields",
			zap.Int("line", res.Line), zap.String("username", res.Username), zap.Int("pk", s.User.PK))
		res.HTTPStatus, res.Action = 201, "created by this import earlier (confirmed by lookup and pk)"
		return a.created(s, res, s.User.Active), plan.Adopt, true
	case plan.Finish:
		return a.finish(s, res), plan.Finish, true
	case plan.Update, plan.Reactivate:
		return a.update(s, res)
	case plan.Deactivate, plan.Delete:
		return a.destroy(s, res)
	case plan.Unchanged:
		res.Status = report.StatusUnchanged
	case plan.Skip:
		res.Status = report.StatusExists
	case plan.Conflict:
		res.Status, res.Error = report.StatusExists, ErrExistsFail
	case plan.Unproven:
		res.Status, res.Error = report.StatusFailed, s.Why
	case plan.Leave:
		res.Status, res.Error = report.StatusSkipped, s.Why
	}
	return res, s.Kind, true
}

// create posts the row, retrying transient failures. authentik has no idempotency key: when
// an attempt may have acted unseen (lost answer, timeout, 500, a proxy's 502–504), the
// username is looked up before the next attempt; when the answer is "This field must be
// unique.", the user found is decided again. A user is never created twice.
func (a *Apply) create(s plan.Step, res report.Result) (report.Result, plan.Kind, bool) {
	row := s.Row
	res.Attempts = 0
	mayBeOurs, unclear := s.MayBeOurs, false
	var lastErr error
	for try := 0; ; try++ {
		if unclear {
			have, err := a.settle(row.Username)
			if err != nil {
				return failed(res, fmt.Errorf("%s, and looking it up failed (--resume checks again): %w", MayHaveCreated, err)), plan.Create, true
			}
			if have != nil {
				return a.reconcile(s, res, have, true)
			}
			unclear = false
		}
		done, err := a.P.wait(a.P.StopCtx, "create user", try, lastErr)
		if err != nil {
			if try == 0 {
				return res, plan.Create, false
			}
			return failed(res, fmt.Errorf("%w; last error: %w%s", err, lastErr, mayHave(mayBeOurs))), plan.Create, true
		}
		res.Attempts++
		u, err := a.Client.CreateUser(a.P.ReqCtx, row.Request)
		done(err)
		a.P.noteAnswer(err)
		lastErr = err
		switch {
		case err == nil:
			if s.Blind {
				a.Order.Observe(false)
			}
			res.HTTPStatus, res.PK, res.UUID = 201, u.PK, u.UUID
			return a.created(s, res, u.IsActive), plan.Create, true
		case authentik.IsUniqueViolation(err):
			if s.Blind {
				a.Order.Observe(true)
			}
			have, ferr := a.settle(row.Username)
			if ferr != nil {
				return failed(res, fmt.Errorf("the username is taken, and looking it up failed%s: %w", mayHave(mayBeOurs), ferr)), plan.Create, true
			}
			if have == nil {
				return rejected(res, err), plan.Create, true
			}
			res.HTTPStatus = 400
			return a.reconcile(s, res, have, mayBeOurs)
		case a.P.noteFatal(err):
			return failed(res, fmt.Errorf("%w%s", err, mayHave(mayBeOurs || authentik.MayHaveActed(err)))), plan.Create, true
		case authentik.IsRejected(err):
			return rejected(res, err), plan.Create, true
		case authentik.ShouldRetry(err) && try < a.P.retries:
			if authentik.MayHaveActed(err) {
				unclear, mayBeOurs = true, true
			}
			a.P.log.Debug("retrying create", zap.Int("line", row.Line), zap.Int("attempt", res.Attempts), zap.Error(err))
		default:
			a.P.noteGaveUp(err)
			return failed(res, fmt.Errorf("%w%s", err, mayHave(mayBeOurs || authentik.MayHaveActed(err)))), plan.Create, true
		}
	}
}

func mayHave(created bool) string {
	if created {
		return " (" + MayHaveCreated + "; --resume checks before creating again)"
	}
	return ""
}

// reconcile decides a row again once its user turned up during the create.
func (a *Apply) reconcile(s plan.Step, res report.Result, have *plan.User, mayBeOurs bool) (report.Result, plan.Kind, bool) {
	step := plan.Decide(s.Row, have, mayBeOurs, a.Policy)
	if step.Kind == plan.Fetch {
		full, err := a.Fetch(have.PK, nil)
		if err != nil {
			return failed(res, fmt.Errorf("reading the user that holds the username%s: %w", mayHave(mayBeOurs), err)), plan.Create, true
		}
		if full != nil {
			step = plan.Decide(s.Row, plan.Observe(full, a.Scope), mayBeOurs, a.Policy)
		} else {
			step.Kind = plan.Create
		}
	}
	if step.Kind == plan.Create {
		return failed(res, fmt.Errorf("the user existed, then was gone when read again%s", mayHave(mayBeOurs))), plan.Create, true
	}
	return a.Do(step, res)
}

// created finishes a row whose user this import created: only here is a password, a hash or
// a recovery e-mail ever sent. A step that fails is finished by --resume from the report's
// pk and uuid, without a second create.
func (a *Apply) created(s plan.Step, res report.Result, active bool) report.Result {
	res.Status = report.StatusCreated
	row, pk := s.Row, res.PK
	if s.Todo&plan.SetPassword != 0 && row.Password != "" {
		if err := a.P.Call("set password", nil, func(ctx context.Context) error { return a.Client.SetPassword(ctx, pk, row.Password) }); err != nil {
			res.Status, res.Error = report.StatusFailed, ErrPasswordNotSet+err.Error()+resumeFinishes
			return res
		}
	}
	if s.Todo&plan.SetHash != 0 && row.PasswordHash != "" {
		err := a.P.Call("set password hash", nil, func(ctx context.Context) error { return a.Client.SetPasswordHash(ctx, pk, row.PasswordHash) })
		var ae *authentik.Error
		switch {
		case authentik.IsRejected(err) && errors.As(err, &ae):
			// The user exists without a password: the recovery e-mail below lets them set one.
			res.Status, res.HTTPStatus = report.StatusRejected, ae.StatusCode
			res.Error = ErrHashRefused + ae.Reason() + " (the user exists without a password"
			if a.Server.StagePK != "" && s.Todo&plan.SendEmail != 0 {
				res.Error += "; the recovery e-mail lets them set one)"
			} else {
				res.Error += "; send a recovery e-mail: --send-recovery-email)"
			}
		case err != nil:
			res.Status, res.Error = report.StatusFailed, ErrHashNotSet+err.Error()+resumeFinishes
			return res
		}
	}
	switch {
	case a.Server.StagePK == "":
	case s.Todo&plan.SendEmail != 0:
		res.Onboarding = a.sendRecoveryEmail(rowEmail(row), pk, active)
	case s.Kind == plan.Adopt:
		res.Onboarding = EmailUnknown + "the run that stopped before reporting this row may have sent it (check before sending another)"
	}
	return res
}

func rowEmail(row *mapping.Row) string {
	if row.Request == nil || row.Request.Email == nil {
		return ""
	}
	return strings.TrimSpace(*row.Request.Email)
}

// msgNoEmail is authentik's answer for a user without an address (F-R1).
const msgNoEmail = "User does not have an email address set."

// sendRecoveryEmail asks authentik to e-mail the user a recovery link and returns the
// onboarding cell. It retries only after an answer that proves nothing was sent.
func (a *Apply) sendRecoveryEmail(email string, pk int, active bool) string {
	switch {
	case !active:
		return report.OnboardingInactive
	case email == "":
		return msgNoEmail
	}
	err := a.P.call(a.P.StopCtx, "send recovery e-mail", nil, func(err error) bool { return !authentik.MayHaveActed(err) }, func(ctx context.Context) error {
		return a.Client.SendRecoveryEmail(ctx, pk, a.Server.StagePK, a.Server.RecoveryInBody())
	})
	var ae *authentik.Error
	switch {
	case err == nil:
		return report.OnboardingSent
	case authentik.MayHaveActed(err):
		return EmailUnknown + err.Error() + " (it may have been sent; check before sending another)"
	case authentik.IsRejected(err) && errors.As(err, &ae) && ae.Reason() != "":
		return ae.Reason()
	}
	return "not sent: " + err.Error()
}

// finish carries out what an earlier run left undone for a user it created, after reading
// the user again: the same uuid at the pk, and, when the mark is proven, a pk above it. res
// is the earlier run's row; written again as it was when the user cannot be read, so the
// next --resume still finishes it.
func (a *Apply) finish(s plan.Step, res report.Result) report.Result {
	fresh, err := a.Fetch(s.User.PK, &res.Attempts)
	res.Action = ""
	switch {
	case err != nil:
		res.Warnings = append(slices.Clip(res.Warnings), fmt.Sprintf("not finished this time either: reading the user (pk %d) failed: %v", s.User.PK, err))
		return res
	case fresh == nil:
		res.Status, res.HTTPStatus = report.StatusFailed, 404
		res.Error = fmt.Sprintf("the earlier run created this user (pk %d) and it is gone now; it is not created again (import this line without --resume to create it anew)", s.User.PK)
		return res
	case fresh.UUID != s.User.UUID:
		res.Status = report.StatusFailed
		res.Error = fmt.Sprintf("the earlier run created this user (pk %d, uuid %s), but that pk now holds another user (uuid %s); not touched", s.User.PK, s.User.UUID, fresh.UUID)
		return res
	case a.Policy.Mark.Proven && fresh.PK <= a.Policy.Mark.PK:
		res.Status = report.StatusFailed
		res.Error = fmt.Sprintf("pk %d existed before the import began (the highest pk then was %d); not touched", fresh.PK, a.Policy.Mark.PK)
		return res
	}
	a.P.log.Info("finishing a user the earlier run created", zap.Int("line", res.Line), zap.Int("pk", fresh.PK))
	res.Status, res.Error, res.HTTPStatus = report.StatusCreated, "", 200
	res = a.created(s, res, fresh.IsActive)
	if res.Status == report.StatusCreated {
		res.Action = "finished the earlier run's create"
	}
	return res
}

// update patches only the fields that differ; fields absent from the row are never touched.
func (a *Apply) update(s plan.Step, res report.Result) (report.Result, plan.Kind, bool) {
	if msg := tooLarge(s.Patch); msg != "" {
		res.Status, res.Error = report.StatusInvalid, msg
		return res, s.Kind, true
	}
	res.Attempts = 0
	err := a.P.Call("update user", &res.Attempts, func(ctx context.Context) error {
		_, e := a.Client.PatchUser(ctx, s.User.PK, s.Patch)
		return e
	})
	switch {
	case errors.Is(err, ErrStopped) && res.Attempts == 0:
		return res, s.Kind, false
	case err == nil:
		res.Status = report.StatusUpdated
		_, fields, _ := strings.Cut(s.Describe(a.GroupName), ": ")
		res.Action = "updated " + fields
		if s.Kind == plan.Reactivate {
			res.Action = "reactivated; " + res.Action
		}
	case authentik.IsRejected(err):
		return rejected(res, err), s.Kind, true
	default:
		return failed(res, err), s.Kind, true
	}
	return res, s.Kind, true
}

// destroy deactivates or deletes a user after reading it again: only the same user (uuid),
// still active and in scope, never the token's own, a superuser only if allowed.
func (a *Apply) destroy(s plan.Step, res report.Result) (report.Result, plan.Kind, bool) {
	step, res, ok := recheck(a.Reads, a.Guard, s, res)
	if !ok || step.Kind == plan.Leave {
		return res, step.Kind, ok
	}
	acted := false
	op := func(ctx context.Context) error {
		if step.Kind == plan.Delete {
			return a.Client.DeleteUser(ctx, step.User.PK)
		}
		_, err := a.Client.PatchUser(ctx, step.User.PK, map[string]any{"is_active": false})
		return err
	}
	verb := map[plan.Kind]string{plan.Deactivate: "deactivate user", plan.Delete: "delete user"}[step.Kind]
	err := a.P.Call(verb, &res.Attempts, func(ctx context.Context) error {
		err := op(ctx)
		acted = acted || authentik.MayHaveActed(err)
		return err
	})
	switch {
	case err == nil && step.Kind == plan.Delete, step.Kind == plan.Delete && acted && authentik.IsNotFound(err):
		res.Status, res.HTTPStatus, res.Error = report.StatusDeleted, 204, ""
	case err == nil:
		res.Status, res.HTTPStatus = report.StatusDeactivated, 200
	case errors.Is(err, ErrStopped) && res.Attempts <= 1:
		return res, step.Kind, false // read, never written: the next run plans it again
	default:
		res = failed(res, err)
		if acted || authentik.MayHaveActed(err) || authentik.IsCanceled(err) {
			res.Error += map[plan.Kind]string{plan.Deactivate: " (the user may have been deactivated)", plan.Delete: " (the user may have been deleted)"}[step.Kind]
		}
	}
	return res, step.Kind, true
}

// recheck reads a destroy step's user again and asks the guard whether it may still act.
// An undo target without a pk (the import's create was unclear) is found by username.
func recheck(r *Reads, g plan.Guard, s plan.Step, res report.Result) (plan.Step, report.Result, bool) {
	var fresh *authentik.User
	var err error
	if s.User.PK == 0 {
		var u *plan.User
		if u, err = r.Lookup(s.User.Username, &res.Attempts); u != nil {
			fresh = u.Full()
			res.PK, res.UUID = u.PK, u.UUID
			s.User = &plan.User{PK: u.PK, UUID: u.UUID, Username: u.Username}
		}
	} else {
		fresh, err = r.Fetch(s.User.PK, &res.Attempts)
	}
	switch {
	case errors.Is(err, ErrStopped):
		return s, res, false
	case err != nil:
		return s, failed(res, fmt.Errorf("reading the user again before changing it: %w", err)), true
	}
	s = g.Check(s, fresh)
	if s.Kind == plan.Leave {
		res.Status, res.Error = report.StatusSkipped, s.Why
	}
	return s, res, true
}

// maxRequestBytes is the largest body authentik takes: Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
const maxRequestBytes = 2_621_440

// tooLarge says why a PATCH cannot be sent (its merged attributes make it too large), or "".
func tooLarge(patch map[string]any) string {
	b, err := json.Marshal(patch)
	if err != nil || len(b) <= maxRequestBytes {
		return ""
	}
	return fmt.Sprintf("attributes: the update would be %d bytes of JSON, more than authentik accepts (%d: Django's DATA_UPLOAD_MAX_MEMORY_SIZE), because a PATCH carries the user's attributes whole; shorten them", len(b), maxRequestBytes)
}

func rejected(res report.Result, err error) report.Result {
	res.Status = report.StatusRejected
	var ae *authentik.Error
	if errors.As(err, &ae) {
		res.HTTPStatus, res.Error = ae.StatusCode, ae.Reason() // authentik's words (F-U2)
		return res
	}
	res.Error = err.Error()
	return res
}

// failed is a row given up on.
func failed(res report.Result, err error) report.Result {
	res.Status = report.StatusFailed
	if status := authentik.StatusOf(err); status > 0 {
		res.HTTPStatus = status
	}
	res.Error = err.Error()
	return res
}
