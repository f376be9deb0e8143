package importer

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/execute"
	"github.com/akimport/akimport/importer/plan"
	"github.com/akimport/akimport/importer/record"
	"github.com/akimport/akimport/report"
)

// leavers are the steps of --deactivate-missing: the active users in scope that no row
// names. They are decided before anything is changed, and the whole run is refused when a
// row's username cannot be trusted (a malformed row could name anyone) or when more users
// would go than --max-deactivate allows: an export that came out empty must not lock the
// company out.
func leavers(cfg Config, in *input, snap *plan.Snapshot, guard plan.Guard, log *zap.Logger) ([]job, error) {
	if n := len(in.names.unsure); n > 0 {
		return nil, &UsageError{Err: fmt.Errorf("--deactivate-missing: %d row(s) of %s have a username that cannot be read reliably, so who is missing cannot be known; nothing was changed. Fix these rows and run again: %s",
			n, in.path, strings.Join(in.names.unsure[:min(n, 10)], "; ")+more(n-10))}
	}
	users, inScope, spared := plan.Leavers(snap, in.names.has, guard)
	alike := map[string]string{} // fold → the leaver it resembles a row's username in
	for _, u := range users {
		if in.names.resembles(u.Username) {
			alike[fold(u.Username)] = u.Username
		}
	}
	if len(alike) > 0 {
		// A row that names another authentik user exactly is that user's, not a lookalike.
		snap.Each(func(u *plan.User) {
			if f := fold(u.Username); alike[f] != "" && alike[f] != u.Username && in.names.has(u.Username) {
				delete(alike, f)
			}
		})
	}
	if n := len(alike); n > 0 {
		names := slices.Sorted(maps.Values(alike))
		for i := range names {
			names[i] = strconv.Quote(names[i])
		}
		return nil, &UsageError{Err: fmt.Errorf("--deactivate-missing: %d authentik user(s) not in %s by their exact username are named there in another form (case, spaces, invisible characters or Unicode form): %s; authentik's usernames are exact, so the file may mean them. Nothing was changed: write these usernames as authentik has them",
			n, in.path, strings.Join(names[:min(n, 10)], ", ")+more(n-10))}
	}
	if inScope == 0 {
		log.Warn("--deactivate-missing: no active user is under --scope-path, so nobody can be deactivated; check the path", zap.String("scope", cfg.ScopePath))
	}
	if allowed := cfg.MaxDeactivate.Allowed(inScope); len(users) > allowed {
		return nil, &UsageError{Err: fmt.Errorf("--deactivate-missing would deactivate %d of the %d active users under %q, more than --max-deactivate %s allows (%d); nothing was changed. Check the export; if it is right, raise --max-deactivate",
			len(users), inScope, cfg.ScopePath, cfg.MaxDeactivate, allowed)}
	}
	if len(spared) > 0 {
		log.Warn("not in the file, but left active: the token's own user and superusers (--allow-superusers deactivates superusers)",
			zap.Strings("users", spared[:min(len(spared), 20)]))
	}
	log.Info("deactivation planned", zap.Int("users", len(users)), zap.Int("active_in_scope", inScope), zap.String("scope", cfg.ScopePath))
	jobs := make([]job, len(users))
	for i, u := range users {
		jobs[i] = job{plan.Step{Kind: plan.Deactivate, User: u}, report.Result{Username: u.Username, PK: u.PK, UUID: u.UUID}}
	}
	return jobs, nil
}

func more(n int) string {
	if n > 0 {
		return fmt.Sprintf("; and %d more", n)
	}
	return ""
}

// job is a step that is not a row (a leaver, an undo target) with its report row.
type job struct {
	step plan.Step
	res  report.Result
}

// carryOut has the executor carry out jobs, concurrency at a time, and hands each outcome
// to the recorder. A job not begun when the run stops is left for the next run.
func carryOut(st *execute.State, exec execute.Executor, jobs []job, concurrency int, out chan<- record.Entry) {
	queue := make(chan job)
	done := make(chan struct{})
	for range concurrency {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range queue {
				if r, kind, sent := exec.Do(j.step, j.res); sent {
					out <- record.Entry{Result: r, Label: kind.Label()}
				}
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-st.StopCtx.Done():
			break feed
		}
	}
	close(queue)
	for range concurrency {
		<-done
	}
}
