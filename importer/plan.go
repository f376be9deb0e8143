package importer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// plan is the online dry run of one row: read-only requests that predict what the real run
// will do with it (F-L1 lookups only; nothing is written).
func (r *run) plan(row mapping.Row) (report.Result, bool) {
	res := r.planned(row, "create")
	u, found, err := r.lookup(row.Username, &res.Attempts)
	if err != nil {
		if errors.Is(err, errStopped) {
			return report.Result{}, false
		}
		res.Action = ""
		return r.failed(res, err), true
	}
	if row.Request.Email != nil && *row.Request.Email != "" {
		res.Warnings = append(res.Warnings, r.emailTakenWarnings(*row.Request.Email, row.Username)...)
	}
	if !found {
		return res, true
	}
	res.PK, res.UUID = u.PK, u.UUID
	switch r.cfg.OnExisting {
	case OnExistingSkip:
		res.Action = "skip (exists)"
	case OnExistingUpdate:
		if patch := patchFor(row.Request, u); len(patch) > 0 {
			res.Action = "update: " + strings.Join(sortedKeys(patch), ", ")
		} else {
			res.Action = "unchanged"
		}
	default:
		res.Status = report.StatusExists
		res.Error = errExistsFail
		res.Action = "fail (exists)"
	}
	return res, true
}

// emailTakenWarnings names authentik users other than username that have this e-mail
// address: allowed (F-U5) but confusing at login.
func (r *run) emailTakenWarnings(email, username string) []string {
	var others []string
	err := r.call("find users by email", nil, func(ctx context.Context) error {
		others = others[:0]
		return r.client.ListUsers(ctx, url.Values{"email": {email}}, func(u authentik.User) error {
			if u.Username != username && len(others) < 3 {
				others = append(others, u.Username)
			}
			return nil
		})
	})
	if err != nil || len(others) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("duplicate email address: authentik user %s has it too", strings.Join(others, ", "))}
}
