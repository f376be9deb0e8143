package execute

import (
	"context"
	"fmt"
	"net/url"

	"go.uber.org/zap"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/importer/plan"
)

// Reads learns what authentik holds, through the pacer. It never writes.
type Reads struct {
	P      *Pacer
	Client *authentik.Client
	Scope  string // --scope-path, "" = every user
}

// Lookup finds a user by username (exact, F-L1); nil when there is none.
func (r *Reads) Lookup(username string, attempts *int) (*plan.User, error) {
	var u *authentik.User
	var found bool
	err := r.P.Call("find user", attempts, func(ctx context.Context) (err error) {
		u, found, err = r.Client.FindUserByUsername(ctx, username)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return plan.Observe(u, r.Scope), nil
}

// settle looks a username up for a create already sent: the row is settled, not left
// unclear, even after a stop (Pacer.Settle).
func (r *Reads) settle(username string) (*plan.User, error) {
	var u *authentik.User
	var found bool
	err := r.P.Settle("find user", func(ctx context.Context) (err error) {
		u, found, err = r.Client.FindUserByUsername(ctx, username)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return plan.Observe(u, r.Scope), nil
}

// EndPK is the highest user pk once a run's requests have ended, read even after a stop;
// the run's mark proved that authentik orders by pk, so the first page's highest is it.
func (r *Reads) EndPK() (int, error) {
	var end int
	err := r.P.Settle("read the highest user pk", func(ctx context.Context) (err error) {
		end, err = r.Client.HighestPK(ctx)
		return err
	})
	return end, err
}

// Fetch reads one user whole; nil when no user has that pk.
func (r *Reads) Fetch(pk int, attempts *int) (*authentik.User, error) {
	var u *authentik.User
	err := r.P.Call("read user", attempts, func(ctx context.Context) (err error) {
		u, err = r.Client.GetUser(ctx, pk)
		return err
	})
	if authentik.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// HighestPK reads the highest pk that exists now (F-L6). It is proven when the page lists every
// user (its highest pk is the highest), or shows that authentik orders by pk: at least two
// users whose pks descend — and, should they descend in username order too (the default
// order), whose pks ascend when asked for ordering=pk.
func (r *Reads) HighestPK() (plan.Mark, error) {
	users, complete, err := r.usersBy("-pk")
	if err != nil {
		return plan.Mark{}, err
	}
	highest := 0
	for _, u := range users {
		highest = max(highest, u.PK)
	}
	proven := complete || ordered(users, func(a, b authentik.User) bool { return a.PK > b.PK })
	if proven && !complete && ordered(users, func(a, b authentik.User) bool { return a.Username < b.Username }) {
		var up []authentik.User
		if up, _, err = r.usersBy("pk"); err != nil {
			return plan.Mark{}, err
		}
		proven = ordered(up, func(a, b authentik.User) bool { return a.PK < b.PK })
	}
	if !proven {
		r.P.log.Warn("authentik did not list its users by pk (ordering=-pk): akimport cannot prove which users it creates, so it never takes an existing user as its own, looks up rows with passwords before creating them, and reports an unclear create of an existing user as failed")
		return plan.Mark{}, nil
	}
	return plan.Mark{PK: highest, Proven: true}, nil
}

// usersBy reads the first page of the users in ordering; complete: it holds every user.
func (r *Reads) usersBy(ordering string) (users []authentik.User, complete bool, err error) {
	var page authentik.Page[authentik.User]
	err = r.P.Await("read the users by pk", func(ctx context.Context) (err error) {
		page, err = r.Client.ListUsersPage(ctx, url.Values{"ordering": {ordering}}, 1)
		return err
	})
	return page.Results, page.Pagination.Count == len(page.Results) && page.Pagination.Next == 0, err
}

// ordered reports whether at least two users come strictly in the order before says.
func ordered(users []authentik.User, before func(a, b authentik.User) bool) bool {
	for i := 1; i < len(users); i++ {
		if !before(users[i-1], users[i]) {
			return false
		}
	}
	return len(users) >= 2
}

// FirstUsersPage reads page 1 of the users (of the scope), whose count tells what a
// snapshot costs.
func (r *Reads) FirstUsersPage() (authentik.Page[authentik.User], error) {
	var page authentik.Page[authentik.User]
	err := r.P.Call("read users", nil, func(ctx context.Context) (err error) {
		page, err = r.usersPage(ctx, 1)
		return err
	})
	return page, err
}

func (r *Reads) usersPage(ctx context.Context, n int) (authentik.Page[authentik.User], error) {
	filter := url.Values{}
	if r.Scope != "" {
		filter.Set("path_startswith", r.Scope)
	}
	if n%100 == 0 {
		r.P.log.Info("reading authentik's users", zap.Int("page", n))
	}
	return r.Client.ListUsersPage(ctx, filter, n)
}

// Snapshot reads every user (of the scope) into an index, from page 1 already read.
func (r *Reads) Snapshot(first authentik.Page[authentik.User], withEmails bool) (*plan.Snapshot, error) {
	snap := plan.NewSnapshot(r.Scope, first.Pagination.Count, withEmails)
	if err := readPages(r.P, "read users", &first, r.usersPage, snap.Add); err != nil {
		return nil, err
	}
	r.P.log.Info("authentik's users read once; rows are decided locally", zap.Int("users", snap.Len()), zap.String("scope", r.Scope))
	return snap, nil
}

// Groups reads every group: name → UUID.
func (r *Reads) Groups() (map[string]string, error) {
	byName := map[string]string{}
	err := readPages(r.P, "list groups", nil, r.Client.ListGroupsPage, func(g *authentik.Group) { byName[g.Name] = g.PK })
	return byName, err
}

// EmailHolders names up to three users other than username with this e-mail address.
func (r *Reads) EmailHolders(email, username string) []string {
	var others []string
	_ = r.P.Call("find users by email", nil, func(ctx context.Context) error {
		others = others[:0]
		return r.Client.ListUsers(ctx, url.Values{"email": {email}}, func(u authentik.User) error {
			if u.Username != username && len(others) < 3 {
				others = append(others, u.Username)
			}
			return nil
		})
	})
	return others
}

// readPages reads a list page by page through the pacer, each page retried on its own, and
// calls each for every item, starting from first when page 1 is read already.
func readPages[T any](p *Pacer, what string, first *authentik.Page[T],
	fetch func(ctx context.Context, n int) (authentik.Page[T], error), each func(*T)) error {
	page := first
	for n := 1; n != 0; n = page.Pagination.Next {
		if page == nil || n != 1 {
			var got authentik.Page[T]
			if err := p.Call(what, nil, func(ctx context.Context) (err error) {
				got, err = fetch(ctx, n)
				return err
			}); err != nil {
				return fmt.Errorf("%s, page %d: %w", what, n, err)
			}
			page = &got
		}
		for i := range page.Results {
			each(&page.Results[i])
		}
	}
	return nil
}
