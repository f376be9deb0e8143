package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/authentik/authentiktest"
)

// The goals of issue 9: a nightly sync costs what changed.
const (
	syncUsers        = 10_000
	syncLeavers      = 20
	syncHires        = 20
	syncRenames      = 100
	syncLatency      = 20 * time.Millisecond
	syncRequestsGoal = 260
	syncTimeGoal     = 30 * time.Second
	snapshotUsers    = 1_000_000
	snapshotGoal     = 256 << 20 // bytes for snapshotUsers
)

// sync: --on-existing update --deactivate-missing of 10 000 users in users/staff at the
// default --rate 10, with 20 leavers, 20 hires and 100 renames; then the snapshot's heap per
// user.
func (b *bench) sync(ctx context.Context) error {
	b.step("sync: %d users, %d leavers, %d hires, %d renames, default --rate, %s latency", syncUsers, syncLeavers, syncHires, syncRenames, syncLatency)
	seed := make([]authentiktest.SeedUser, 0, syncUsers)
	for i := range syncUsers {
		seed = append(seed, authentiktest.SeedUser{User: authentik.User{Username: fmt.Sprintf("s%05d", i),
			Name: fmt.Sprintf("Staff %d", i), Email: fmt.Sprintf("s%05d@example.com", i), IsActive: true, Path: "users/staff"}})
	}
	srv, err := authentiktest.Listen("127.0.0.1:0", authentiktest.Options{Token: benchToken, Latency: syncLatency, Capacity: 8, Seed: 1, Users: seed})
	if err != nil {
		return err
	}
	defer srv.Close()
	var csv strings.Builder
	csv.WriteString("username,name,email,path\n")
	for i := syncLeavers; i < syncUsers+syncHires; i++ {
		name := fmt.Sprintf("Staff %d", i)
		if i%(syncUsers/syncRenames) == 50 {
			name += " (renamed)"
		}
		fmt.Fprintf(&csv, "s%05d,%s,s%05d@example.com,users/staff\n", i, name, i)
	}
	input := b.path("sync.csv")
	if err := os.WriteFile(input, []byte(csv.String()), 0o600); err != nil {
		return err
	}
	run, err := b.runImport(ctx, "sync", srv.URL(), input, int64(syncUsers+syncHires),
		"--on-existing", "update", "--deactivate-missing", "--scope-path", "users/staff", "--max-deactivate", "1%")
	if err != nil {
		return err
	}
	var requests int64
	for _, n := range srv.Stats().Requests {
		requests += n
	}
	pages := (syncUsers + 99) / 100
	floor := int64(1 + pages + syncLeavers + syncHires + syncRenames) // preflight, pages, changes
	exact := run.summary.Counts["created"] == syncHires && run.summary.Counts["updated"] == syncRenames &&
		run.summary.Counts["deactivated"] == syncLeavers
	b.res.add(figure{
		name:    fmt.Sprintf("sync of %d users (%d changes), requests", syncUsers, syncLeavers+syncHires+syncRenames),
		value:   fmt.Sprintf("%d requests", requests),
		goal:    fmt.Sprintf("≤ %d (floor %d)", syncRequestsGoal, floor),
		ratio:   fmt.Sprintf("%.3f of the floor", float64(requests)/float64(floor)),
		verdict: judge(requests <= syncRequestsGoal && exact),
	})
	b.res.add(figure{
		name:    "  time at the default --rate 10",
		value:   run.wall.Round(100 * time.Millisecond).String(),
		goal:    "< " + syncTimeGoal.String(),
		ratio:   fmt.Sprintf("%.3f", run.wall.Seconds()/syncTimeGoal.Seconds()),
		verdict: judge(run.wall < syncTimeGoal),
	})
	if !exact {
		b.res.note("sync: the end state was wrong: %v", run.summary.Counts)
	}

	b.step("snapshot heap: %d users", snapshotUsers)
	perUser := snapshotHeapPerUser(snapshotUsers)
	total := perUser * snapshotUsers
	b.res.add(figure{
		name:    fmt.Sprintf("snapshot of %d users, heap", snapshotUsers),
		value:   fmt.Sprintf("%.0f bytes/user = %s", perUser, mib(int64(total))),
		goal:    "≤ " + mib(snapshotGoal),
		ratio:   fmt.Sprintf("%.3f", total/snapshotGoal),
		verdict: judge(total <= snapshotGoal),
	})
	b.res.note("Sync: requests are every request the simulator saw (preflight, %d pages of the scope, the writes); the floor is 1 + %d + %d. Snapshot: Go heap held after building the index (runtime.MemStats, after GC).", pages, pages, syncLeavers+syncHires+syncRenames)
	return nil
}
