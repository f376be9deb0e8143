package importer

import (
	"context"
	"fmt"
	"net/url"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
)

// snapshotReader reads authentik's users into a snapshot, 100 a page (readPages).
type snapshotReader struct {
	pacer  *pacer
	client *authentik.Client
	scope  string // "" = every user (path_startswith otherwise)
	log    *zap.Logger
}

// fetch reads page n of the users (of the scope).
func (r *snapshotReader) fetch(ctx context.Context, n int) (authentik.Page[authentik.User], error) {
	filter := url.Values{}
	if r.scope != "" {
		filter.Set("path_startswith", r.scope)
	}
	if n%100 == 0 {
		r.log.Info("reading authentik's users", zap.Int("page", n))
	}
	return r.client.ListUsersPage(ctx, filter, n)
}

// first reads page 1, whose count tells what the snapshot would cost.
func (r *snapshotReader) first() (authentik.Page[authentik.User], error) {
	var page authentik.Page[authentik.User]
	err := r.pacer.call("read users", nil, func(ctx context.Context) error {
		var e error
		page, e = r.fetch(ctx, 1)
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
	if err := readPages(r.pacer, "read users", &first, r.fetch, snap.add); err != nil {
		return nil, err
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
// --deactivate-missing needs them; nil otherwise. forRows says whether rows are decided
// from it (false: per-row lookups, the snapshot serves deactivation only).
func readUsersOnce(cfg *Config, pace *pacer, client *authentik.Client, in *input, resume *resumePlan, log *zap.Logger) (snap *snapshot, forRows bool, err error) {
	meetsExisting := cfg.OnExisting != OnExistingFail || cfg.DeactivateMissing || cfg.DryRun || resume != nil
	if !meetsExisting || (cfg.Lookup == LookupPerRow && !cfg.DeactivateMissing) {
		return nil, false, nil
	}
	sr := &snapshotReader{pacer: pace, client: client, scope: cfg.ScopePath, log: log}
	first, err := sr.first()
	if err != nil {
		return nil, false, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
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
		return nil, false, nil
	}
	if snap, err = sr.read(first, cfg.DryRun); err != nil {
		return nil, false, &FatalError{Err: fmt.Errorf("reading authentik's users: %w", err)}
	}
	return snap, !choice.perRow, nil
}
