package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// applier carries a row's action out through the pacer: the create with its retries and
// reconciliation, the PATCH of an update, the password of a user this import created. It
// journals each row before its first write.
type applier struct {
	log     *zap.Logger
	pacer   *pacer
	client  *authentik.Client
	plan    *planner
	retries int
	intents chan<- intent
	// server is what the preflight learned: the version (which requests to use), the
	// e-mail stage, and the rows an earlier run created without finishing.
	server *serverInfo
}

// apply carries out act for the row. sent is false when the run stopped before anything was
// sent for it: such a row stays out of the report so --resume picks it up.
func (a *applier) apply(row *mapping.Row, res report.Result, act action, have *observed, prov provenance) (rowResult, bool) {
	res.Warnings = append(res.Warnings, act.warnings...)
	if have != nil {
		res.PK, res.UUID = have.pk, have.uuid
		if res.HTTPStatus == 0 {
			res.HTTPStatus = 200 // authentik's answer that told the plan (a lookup or a page)
		}
	}
	switch act.kind {
	case actCreate:
		return a.create(row, res, prov, act.blind)
	case actAdopt:
		a.log.Info("create confirmed by lookup: the user exists with the row's fields",
			zap.Int("line", row.Line), zap.String("username", row.Username), zap.Int("pk", have.pk))
		res.HTTPStatus = 201
		return a.created(row, res, have), true
	case actUpdate, actReactivate:
		return a.update(row, res, act, have)
	case actUnchanged:
		res.Status = report.StatusUnchanged
	case actSkip:
		res.Status = report.StatusExists
	default: // actConflict
		res.Status = report.StatusExists
		res.Error = errExistsFail
	}
	return rowResult{res: res}, true
}

// errExistsFail is the error cell of an `exists` row under --on-existing fail, in the real
// run and in its dry-run prediction alike; a non-empty error is also what tells --resume
// that the row failed (report.Result.Failed).
const errExistsFail = "username: This field must be unique. (it already exists in authentik; --on-existing skip or update handles that)"

// create posts the row, retrying transient failures. authentik has no idempotency key, so
// when an attempt may have created the user without us hearing of it (lost answer, timeout,
// 500/502/504, a proxy's 429/503), the username is looked up before the next attempt; and
// when the answer is "This field must be unique.", the user found is planned again, taken as
// ours only if this run or an open journal record may have created it. A user is never
// created twice.
func (a *applier) create(row *mapping.Row, res report.Result, prov provenance, blind bool) (rowResult, bool) {
	res.Attempts = 0 // the row's attempts are its create's from here on
	mayBeOurs := prov == maybeOurs
	uncertain := false // the last attempt may have acted
	journaled := false
	var lastErr error
	for try := 0; ; try++ {
		if uncertain {
			have, err := a.plan.lookup(row.Username, nil)
			if err != nil {
				err = fmt.Errorf("an earlier attempt may have created the user, and looking it up failed (--resume will check again): %w", err)
				return a.failed(res, err, true), true
			}
			if have != nil {
				return a.existing(row, res, have, maybeOurs)
			}
			uncertain = false
		}
		done, err := a.pacer.wait("create user", try, lastErr)
		if err != nil {
			if try == 0 {
				return rowResult{}, false
			}
			return a.failed(res, fmt.Errorf("%w; last error: %w", err, lastErr), mayBeOurs), true
		}
		if !journaled {
			if err := a.journal(row.Line); err != nil {
				return rowResult{}, false // the journal failed: the recorder stopped the run
			}
			journaled = true
		}
		res.Attempts++
		u, err := a.client.CreateUser(a.pacer.reqCtx, row.Request)
		done(err)
		a.pacer.noteAnswer(err)
		lastErr = err
		switch {
		case err == nil:
			if blind {
				a.plan.order.observe(false)
			}
			res.HTTPStatus = 201
			return a.created(row, res, &observed{pk: u.PK, uuid: u.UUID, username: u.Username}), true
		case authentik.IsUniqueViolation(err):
			if blind {
				a.plan.order.observe(true)
			}
			have, ferr := a.plan.lookup(row.Username, nil)
			if ferr != nil {
				return a.failed(res, fmt.Errorf("the username is taken, and looking it up failed: %w", ferr), mayBeOurs), true
			}
			if have == nil {
				return a.rejected(res, err), true
			}
			res.HTTPStatus = 400
			return a.existing(row, res, have, provenanceOf(mayBeOurs))
		case a.pacer.noteFatal(err):
			return a.failed(res, err, mayBeOurs || authentik.MayHaveActed(err)), true
		case authentik.IsRejected(err):
			return a.rejected(res, err), true
		case authentik.ShouldRetry(err) && try < a.retries:
			if authentik.MayHaveActed(err) {
				uncertain, mayBeOurs = true, true
			}
			a.log.Debug("retrying create", zap.Int("line", row.Line), zap.Int("attempt", res.Attempts), zap.Error(err))
		default:
			a.pacer.noteGaveUp(err)
			if authentik.MayHaveActed(err) {
				mayBeOurs = true
				err = fmt.Errorf("%w (the user may have been created; --resume will check before creating)", err)
			}
			return a.failed(res, err, mayBeOurs), true
		}
	}
}

func provenanceOf(mayBeOurs bool) provenance {
	if mayBeOurs {
		return maybeOurs
	}
	return preExisting
}

// existing plans a row again once its user turned up during the create, and carries that out.
func (a *applier) existing(row *mapping.Row, res report.Result, have *observed, prov provenance) (rowResult, bool) {
	act, have, err := a.plan.decide(row, have, prov, nil)
	if err != nil {
		return a.failed(res, err, prov == maybeOurs), true
	}
	if act.kind == actCreate { // gone again meanwhile: let --resume try once more
		return a.failed(res, errors.New("the user existed, then was gone when read again; --resume will try again"), prov == maybeOurs), true
	}
	return a.apply(row, res, act, have, prov)
}

// journal records durably that the row is about to be written (see journal).
func (a *applier) journal(line int) error {
	if a.intents == nil {
		return nil
	}
	done := make(chan error, 1)
	a.intents <- intent{line: line, done: done}
	return <-done
}

// created finishes a row whose user this import created: its password or password hash,
// then its recovery e-mail (aftercreate.go). Only here is a password ever set. A step that
// failed is finished by --resume from the report's pk and uuid, without a second create.
func (a *applier) created(row *mapping.Row, res report.Result, u *observed) rowResult {
	res.Status = report.StatusCreated
	res.PK, res.UUID = u.pk, u.uuid
	return rowResult{res: a.afterCreate(row, res, allSteps)}
}

// update patches only the fields that differ (F-L2); fields absent from the row are never
// touched.
func (a *applier) update(row *mapping.Row, res report.Result, act action, have *observed) (rowResult, bool) {
	if err := a.journal(row.Line); err != nil {
		return rowResult{}, false
	}
	res.Attempts = 0 // the row's attempts are its PATCH's from here on
	err := a.pacer.call("update user", &res.Attempts, func(ctx context.Context) error {
		_, e := a.client.PatchUser(ctx, have.pk, act.patch)
		return e
	})
	switch {
	case errors.Is(err, errStopped) && res.Attempts == 0:
		return rowResult{}, false
	case err == nil:
		res.Status = report.StatusUpdated
		res.HTTPStatus = 200
		res.Action = "updated " + strings.Join(sortedKeys(act.patch), ", ")
		if act.kind == actReactivate {
			res.Action = "reactivated; " + res.Action
		}
	case authentik.IsRejected(err):
		return a.rejected(res, err), true
	default:
		return a.failed(res, err, false), true
	}
	return rowResult{res: res}, true
}

func (a *applier) rejected(res report.Result, err error) rowResult {
	res.Status = report.StatusRejected
	var ae *authentik.Error
	if errors.As(err, &ae) {
		// authentik's own words, verbatim (F-U2).
		res.HTTPStatus = ae.StatusCode
		res.Error = ae.Reason()
		return rowResult{res: res}
	}
	res.Error = err.Error()
	return rowResult{res: res}
}

// failed reports a row given up on; uncertain keeps its journal record open.
func (a *applier) failed(res report.Result, err error, uncertain bool) rowResult {
	return rowResult{res: failedResult(res, err), uncertain: uncertain}
}

func failedResult(res report.Result, err error) report.Result {
	res.Status = report.StatusFailed
	if status := authentik.StatusOf(err); status > 0 {
		res.HTTPStatus = status
	}
	res.Error = err.Error()
	return res
}
