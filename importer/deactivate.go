package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// deactivationPlan lists the active users in --scope-path that the file does not name.
type deactivationPlan struct {
	candidates []authentik.User
	inScope    int
}

// inScope reports whether an authentik path is the scope or below it.
func inScope(path, scope string) bool {
	return path == scope || strings.HasPrefix(path, scope+"/")
}

// planDeactivation runs before anything is changed: it lists the active users in scope
// (F-L1, paginated), reads the file once for its usernames, and refuses the whole run if
// more users would be deactivated than --max-deactivate allows, so an export that came out
// empty cannot lock the company out.
func (r *run) planDeactivation(mp *mapping.Mapping) (*deactivationPlan, error) {
	scope := r.cfg.ScopePath
	active := map[string]authentik.User{}
	err := r.call("list users in scope", nil, func(ctx context.Context) error {
		return r.client.ListUsers(ctx, url.Values{"path_startswith": {scope}, "is_active": {"true"}}, func(u authentik.User) error {
			// authentik's own outpost accounts are never touched.
			if u.IsActive && inScope(u.Path, scope) && u.Type != "internal_service_account" {
				active[u.Username] = authentik.User{PK: u.PK, UUID: u.UUID, Username: u.Username, Path: u.Path}
			}
			return nil
		})
	})
	if err != nil {
		return nil, &FatalError{Err: fmt.Errorf("listing the users under %q: %w", scope, err)}
	}
	plan := &deactivationPlan{inScope: len(active)}

	f, err := os.Open(r.cfg.Input)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	defer f.Close()
	reader, err := mapping.NewReader(f, mapping.Options{Format: r.in.format, Mapping: mp})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	defer reader.Close() // ends its read-ahead goroutine
	for {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("reading %s: %w", r.cfg.Input, err)}
		}
		// Any row naming a user keeps it, even an invalid one: a typo must not lock anyone out.
		delete(active, row.Username)
	}
	for _, u := range active {
		plan.candidates = append(plan.candidates, u)
	}
	sort.Slice(plan.candidates, func(i, j int) bool { return plan.candidates[i].Username < plan.candidates[j].Username })

	allowed := r.cfg.MaxDeactivate.Allowed(plan.inScope)
	if len(plan.candidates) > allowed {
		return nil, &UsageError{Err: fmt.Errorf("--deactivate-missing would deactivate %d of the %d active users under %q, more than --max-deactivate %s allows (%d); nothing was changed. Check the export; if it is right, raise --max-deactivate",
			len(plan.candidates), plan.inScope, scope, r.cfg.MaxDeactivate, allowed)}
	}
	r.log.Info("deactivation planned", zap.Int("users", len(plan.candidates)), zap.Int("active_in_scope", plan.inScope), zap.String("scope", scope))
	return plan, nil
}

// deactivate sets is_active=false on each candidate (or, in a dry run, reports the plan),
// --concurrency at a time. Rows are reported with line 0: they are not in the file.
func (r *run) deactivate(plan *deactivationPlan, results chan<- report.Result) error {
	g := new(errgroup.Group)
	g.SetLimit(r.cfg.Concurrency)
	for _, u := range plan.candidates {
		if r.stopCtx.Err() != nil {
			break
		}
		g.Go(func() error {
			res := report.Result{Username: u.Username, PK: u.PK, UUID: u.UUID}
			if r.cfg.DryRun {
				res.Status, res.Action = report.StatusPlanned, "deactivate"
				results <- res
				return nil
			}
			err := r.call("deactivate user", &res.Attempts, func(ctx context.Context) error {
				_, e := r.client.PatchUser(ctx, u.PK, map[string]any{"is_active": false})
				return e
			})
			switch {
			case errors.Is(err, errStopped):
				// Never sent: left for the next run, which plans it again.
			case err != nil:
				results <- r.failed(res, err)
			default:
				res.Status, res.HTTPStatus = report.StatusDeactivated, 200
				results <- res
			}
			return nil
		})
	}
	return g.Wait()
}
