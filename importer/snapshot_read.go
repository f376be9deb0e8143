package importer

import (
	"context"
	"fmt"
	"net/url"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
)

// snapshotReader reads authentik's users into a snapshot, 100 a page, each page through the
// shared limiter and retried on its own: a failure on page 900 retries page 900, never the
// first 899.
type snapshotReader struct {
	pacer  *pacer
	client *authentik.Client
	scope  string // "" = every user (path_startswith otherwise)
	log    *zap.Logger
}

func (r *snapshotReader) page(n int) (authentik.Page[authentik.User], error) {
	filter := url.Values{}
	if r.scope != "" {
		filter.Set("path_startswith", r.scope)
	}
	var page authentik.Page[authentik.User]
	err := r.pacer.call("read users", nil, func(ctx context.Context) error {
		var e error
		page, e = r.client.ListUsersPage(ctx, filter, n)
		return e
	})
	return page, err
}

// read builds the snapshot from the first page (already read, for its count) and the rest.
func (r *snapshotReader) read(first authentik.Page[authentik.User], withEmails bool) (*snapshot, error) {
	snap := newSnapshot(r.scope, first.Pagination.Count)
	if withEmails {
		snap.emails = make(map[uint64]int32, first.Pagination.Count)
	}
	page := first
	for {
		for i := range page.Results {
			snap.add(&page.Results[i])
		}
		n := page.Pagination.Next
		if n == 0 {
			break
		}
		var err error
		if page, err = r.page(n); err != nil {
			return nil, err
		}
		if n%100 == 0 {
			r.log.Info("reading authentik's users", zap.Int("read", snap.len()), zap.Int("of", first.Pagination.Count))
		}
	}
	r.log.Info("authentik's users read once; rows are decided locally", zap.Int("users", snap.len()), zap.String("scope", r.scope))
	return snap, nil
}

// lookupPlan is how the run learns who exists.
type lookupPlan struct {
	snapshot bool // read the users once
	perRow   bool // decide rows by per-row lookups (the snapshot, if any, serves deactivation)
}

// chooseLookup decides between reading every user once (pages requests) and looking rows up
// one by one (about perRowCost requests). --lookup snapshot or per-row decides for the user;
// auto takes the cheaper. --deactivate-missing needs the users of its scope either way.
func chooseLookup(mode LookupMode, pages, perRowCost int, deactivate bool) lookupPlan {
	switch mode {
	case LookupSnapshot:
		return lookupPlan{snapshot: true}
	case LookupPerRow:
		return lookupPlan{snapshot: deactivate, perRow: true}
	}
	if pages <= perRowCost {
		return lookupPlan{snapshot: true}
	}
	return lookupPlan{snapshot: deactivate, perRow: true}
}

// readUsersOnce reads authentik's users (or --scope-path's) into a snapshot when the run
// can meet existing users and that is cheaper than looking rows up one by one, or when
// --deactivate-missing needs them; nil otherwise.
func readUsersOnce(cfg *Config, pace *pacer, client *authentik.Client, in *input, resume *resumePlan, log *zap.Logger) (*snapshot, error) {
	meetsExisting := cfg.OnExisting != OnExistingFail || cfg.DeactivateMissing || cfg.DryRun || resume != nil
	if !meetsExisting || (cfg.Lookup == LookupPerRow && !cfg.DeactivateMissing) {
		return nil, nil
	}
	sr := &snapshotReader{pacer: pace, client: client, scope: cfg.ScopePath, log: log}
	first, err := sr.page(1)
	if err != nil {
		return nil, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
	}
	// Looking rows up costs about one request per row that may exist: every row when
	// existing users are skipped, updated or predicted; only the rows left in flight when a
	// run in --on-existing fail mode is resumed.
	perRowCost := in.rowsEstimate
	if cfg.OnExisting == OnExistingFail && !cfg.DryRun && resume != nil {
		perRowCost = len(resume.open)
	}
	if perRowCost < 0 { // standard input: unknown; the first page is read already
		perRowCost = 1
	}
	choice := chooseLookup(cfg.Lookup, first.Pagination.TotalPages, perRowCost, cfg.DeactivateMissing)
	log.Info("how existing users are found", zap.Bool("snapshot", choice.snapshot), zap.Bool("per_row", choice.perRow),
		zap.Int("users", first.Pagination.Count), zap.Int("pages", first.Pagination.TotalPages), zap.Int("rows_estimate", in.rowsEstimate))
	if !choice.snapshot {
		return nil, nil
	}
	if choice.perRow && cfg.Lookup == LookupAuto {
		cfg.Lookup = LookupPerRow // the snapshot serves deactivation only
	}
	snap, err := sr.read(first, cfg.DryRun)
	if err != nil {
		return nil, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
	}
	return snap, nil
}
