package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
	"github.com/akimport/akimport/report"
)

// deactivationPlan lists the active users in --scope-path that the file does not name.
type deactivationPlan struct {
	candidates []*observed
	inScope    int
}

// planDeactivation runs before anything is changed: it reads the file once and marks in the
// snapshot every user a row names, and refuses the whole run if more users would be
// deactivated than --max-deactivate allows, so an export that came out empty cannot lock
// the company out. The file must be the one the run imports: its fingerprint is checked.
func planDeactivation(cfg *Config, in *input, mp *mapping.Mapping, snap *snapshot, log *zap.Logger) (*deactivationPlan, error) {
	f, err := os.Open(cfg.Input)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	defer f.Close()
	h := sha256.New()
	reader, err := mapping.NewReader(io.TeeReader(f, h), mapping.Options{Format: in.format, Mapping: mp})
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
			return nil, &UsageError{Err: fmt.Errorf("reading %s: %w", cfg.Input, err)}
		}
		// Any row naming a user keeps it, even an invalid one: a typo must not lock anyone
		// out. Its username is the one authentik stores (stripped, F-U3a).
		snap.markNamed(row.Username)
	}
	if _, err := io.Copy(h, f); err != nil { // what the reader left unread
		return nil, &UsageError{Err: fmt.Errorf("reading %s: %w", cfg.Input, err)}
	}
	if fp := "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]; fp != in.fingerprint {
		return nil, &UsageError{Err: fmt.Errorf("%s changed while it was being read (fingerprint %s, then %s): nothing was changed; run again once the export is complete",
			cfg.Input, in.fingerprint, fp)}
	}
	plan := &deactivationPlan{}
	plan.candidates, plan.inScope = snap.unnamedActive()
	allowed := cfg.MaxDeactivate.Allowed(plan.inScope)
	if len(plan.candidates) > allowed {
		return nil, &UsageError{Err: fmt.Errorf("--deactivate-missing would deactivate %d of the %d active users under %q, more than --max-deactivate %s allows (%d); nothing was changed. Check the export; if it is right, raise --max-deactivate",
			len(plan.candidates), plan.inScope, cfg.ScopePath, cfg.MaxDeactivate, allowed)}
	}
	log.Info("deactivation planned", zap.Int("users", len(plan.candidates)), zap.Int("active_in_scope", plan.inScope), zap.String("scope", cfg.ScopePath))
	return plan, nil
}

// deactivate sets is_active=false on each candidate (or, in a dry run, reports the plan),
// concurrency at a time. Rows are reported with line 0: they are not in the file.
func deactivate(p *pacer, client *authentik.Client, plan *deactivationPlan, dryRun bool, concurrency int, results chan<- rowResult) error {
	g := new(errgroup.Group)
	g.SetLimit(concurrency)
	for _, u := range plan.candidates {
		if p.stopped() {
			break
		}
		g.Go(func() error {
			res := report.Result{Username: u.username, PK: u.pk, UUID: u.uuid}
			if dryRun {
				res.Status, res.Action = report.StatusPlanned, "deactivate"
				results <- rowResult{res: res}
				return nil
			}
			err := p.call("deactivate user", &res.Attempts, func(ctx context.Context) error {
				_, e := client.PatchUser(ctx, u.pk, map[string]any{"is_active": false})
				return e
			})
			switch {
			case errors.Is(err, errStopped):
				// Never sent: left for the next run, which plans it again.
			case err != nil:
				results <- rowResult{res: failedResult(res, err)}
			default:
				res.Status, res.HTTPStatus = report.StatusDeactivated, 200
				results <- rowResult{res: res}
			}
			return nil
		})
	}
	return g.Wait()
}
