package importer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// newResult starts the report row for an input row.
func (r *run) newResult(row mapping.Row) report.Result {
	return report.Result{Line: row.Line, Username: row.Username, Warnings: row.Warnings}
}

func (r *run) invalid(row mapping.Row) report.Result {
	res := r.newResult(row)
	res.Status = report.StatusInvalid
	res.Error = row.Errors.String()
	return res
}

func (r *run) planned(row mapping.Row, action string) report.Result {
	res := r.newResult(row)
	res.Status = report.StatusPlanned
	res.Action = action
	res.Onboarding = r.plannedOnboarding(row)
	return res
}

// process sends one valid row. sent is false when the run stopped before anything was sent
// for it: such a row stays out of the report so --resume picks it up.
func (r *run) process(row mapping.Row) (res report.Result, sent bool) {
	if r.cfg.DryRun {
		return r.plan(row)
	}
	if res, done := r.beforeCreate(row); done { // finishes an earlier run's create (aftercreate.go)
		return res, true
	}
	return r.create(row)
}

// create posts the row, retrying transient failures. authentik has no idempotency key, so
// when an attempt may have created the user without us hearing about it (lost answer,
// timeout, 500/502/504), the username is looked up before the next attempt; and when an
// answer says the username is taken after such an attempt (or in a resumed run, where the
// row may have been in flight when the earlier run died), the user found is compared with
// the row: equal means our create went through. A user is never created twice.
func (r *run) create(row mapping.Row) (report.Result, bool) {
	res := r.newResult(row)
	mayBeOurs := r.resumed != nil
	observed := false // whether r.order has seen this row
	if r.order.lookupFirst() {
		u, found, err := r.lookup(row.Username, &res.Attempts)
		if err != nil {
			if errors.Is(err, errStopped) {
				return res, false
			}
			return r.failed(res, err), true
		}
		r.order.observe(found)
		observed = true
		if found {
			res.HTTPStatus = 200
			return r.existing(row, res, u, mayBeOurs), true
		}
		res.Attempts = 0 // the row's attempts are its create's from here on
	}
	uncertain := false
	var lastErr error
	for try := 0; ; try++ {
		if uncertain {
			u, found, err := r.lookup(row.Username, nil)
			if err != nil {
				return r.failed(res, fmt.Errorf("an earlier attempt may have created the user, and looking it up failed (--resume will check again): %w", err)), true
			}
			if found {
				res.HTTPStatus = 200
				return r.existing(row, res, u, true), true
			}
			uncertain = false
		}
		if err := r.pace(try, lastErr); err != nil {
			if try == 0 {
				return res, false
			}
			return r.failed(res, fmt.Errorf("%w; last error: %w", err, lastErr)), true
		}
		res.Attempts++
		u, err := r.client.CreateUser(r.reqCtx, row.Request)
		r.noteAnswer(err)
		lastErr = err
		switch {
		case err == nil:
			if !observed {
				r.order.observe(false)
			}
			res.HTTPStatus = 201
			return r.created(row, res, u), true
		case authentik.IsUniqueViolation(err):
			if !observed {
				r.order.observe(true)
			}
			found, ferr := r.lookupExisting(row.Username)
			if ferr != nil {
				return r.failed(res, fmt.Errorf("the username is taken, and looking it up failed: %w", ferr)), true
			}
			if found == nil {
				return r.rejected(res, err), true
			}
			res.HTTPStatus = 400
			return r.existing(row, res, found, mayBeOurs), true
		case r.noteFatal(err):
			return r.failed(res, err), true
		case authentik.IsRejected(err):
			return r.rejected(res, err), true
		case authentik.ShouldRetry(err) && try < r.cfg.Retries:
			if authentik.MayHaveActed(err) {
				uncertain, mayBeOurs = true, true
			}
			r.log.Debug("retrying create", zap.Int("line", row.Line), zap.Int("attempt", res.Attempts), zap.Error(err))
		default:
			r.noteGaveUp(err)
			if authentik.MayHaveActed(err) {
				err = fmt.Errorf("%w (the user may have been created; --resume will check before creating)", err)
			}
			return r.failed(res, err), true
		}
	}
}

func (r *run) lookupExisting(username string) (*authentik.User, error) {
	u, found, err := r.lookup(username, nil)
	if err != nil || !found {
		return nil, err
	}
	return u, nil
}

// lookup finds a user by username (exact, case-sensitive: F-L1), with retries; attempts,
// when not nil, counts the tries.
func (r *run) lookup(username string, attempts *int) (u *authentik.User, found bool, err error) {
	err = r.call("find user", attempts, func(ctx context.Context) error {
		var e error
		u, found, e = r.client.FindUserByUsername(ctx, username)
		return e
	})
	return u, found, err
}

// created finishes a row whose user exists now: its password or password hash, and its
// recovery e-mail (aftercreate.go).
func (r *run) created(row mapping.Row, res report.Result, u *authentik.User) report.Result {
	res.Status = report.StatusCreated
	res.PK, res.UUID = u.PK, u.UUID
	return r.afterCreate(row, res, allSteps)
}

// errExistsFail is the error cell of an `exists` row under --on-existing fail, in the real
// run and in its dry-run prediction alike; a non-empty error is also what tells --resume
// that the row failed (report.Result.Failed).
const errExistsFail = "username: This field must be unique. (it already exists in authentik; --on-existing skip or update handles that)"

// existing decides a row whose username is taken in authentik.
func (r *run) existing(row mapping.Row, res report.Result, u *authentik.User, mayBeOurs bool) report.Result {
	res.PK, res.UUID = u.PK, u.UUID
	patch := patchFor(row.Request, u)
	if mayBeOurs && len(patch) == 0 {
		r.log.Info("create confirmed by lookup: the user exists with the row's fields",
			zap.Int("line", row.Line), zap.String("username", row.Username), zap.Int("pk", u.PK))
		res.HTTPStatus = 201
		return r.created(row, res, u)
	}
	switch r.cfg.OnExisting {
	case OnExistingSkip:
		res.Status = report.StatusExists
	case OnExistingUpdate:
		return r.update(res, u, patch)
	default:
		res.Status = report.StatusExists
		res.Error = errExistsFail
	}
	return res
}

// update patches only the fields that differ (F-L2); fields absent from the row are never
// touched.
func (r *run) update(res report.Result, u *authentik.User, patch map[string]any) report.Result {
	if len(patch) == 0 {
		res.Status = report.StatusUnchanged
		res.HTTPStatus = 200
		return res
	}
	res.Attempts = 0 // the row's attempts are its PATCH's from here on
	err := r.call("update user", &res.Attempts, func(ctx context.Context) error {
		_, e := r.client.PatchUser(ctx, u.PK, patch)
		return e
	})
	switch {
	case err == nil:
		res.Status = report.StatusUpdated
		res.HTTPStatus = 200
		res.Action = "updated " + strings.Join(sortedKeys(patch), ", ")
	case authentik.IsRejected(err):
		return r.rejected(res, err)
	default:
		return r.failed(res, err)
	}
	return res
}

func (r *run) rejected(res report.Result, err error) report.Result {
	res.Status = report.StatusRejected
	var ae *authentik.Error
	if errors.As(err, &ae) {
		// authentik's own words, verbatim (F-U2).
		res.HTTPStatus = ae.StatusCode
		res.Error = ae.Reason()
		return res
	}
	res.Error = err.Error()
	return res
}

func (r *run) failed(res report.Result, err error) report.Result {
	res.Status = report.StatusFailed
	if status := authentik.StatusOf(err); status > 0 {
		res.HTTPStatus = status
	}
	res.Error = err.Error()
	return res
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
