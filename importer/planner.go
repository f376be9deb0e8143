package importer

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// planner knows, for each row, the user authentik has and whether this import may have
// created it, and decides the row's action with decide. It learns who exists from the
// snapshot (read once) or by looking rows up one by one; it never writes.
type planner struct {
	pacer      *pacer
	client     *authentik.Client
	snap       *snapshot // nil: rows are looked up one by one
	mode       OnExisting
	reactivate bool
	dryRun     bool
	// open are the rows an earlier run left open in its journal (--resume): sent, with no
	// outcome. Only their users may be taken as created by that run.
	open  *lineSet
	order *requestOrder
}

// provenance says whether the row's user may be one an earlier run created.
func (p *planner) provenance(line int) provenance {
	if p.open != nil && p.open.has(line) {
		return maybeOurs
	}
	return preExisting
}

// look finds the user authentik has for the row without writing anything. known is false
// when it did not look (per-row lookups, creating first: the create's answer tells).
func (p *planner) look(row *mapping.Row, prov provenance, attempts *int) (have *observed, known bool, err error) {
	if p.snap != nil {
		if have = p.snap.get(row.Username); have != nil || prov != maybeOurs {
			return have, true, nil
		}
		// A row an earlier run may have created is looked up even outside the snapshot's
		// scope: a second create must never be tried blind.
	} else if prov != maybeOurs && !p.dryRun && !p.order.lookupFirst() {
		return nil, false, nil
	}
	have, err = p.lookup(row.Username, attempts)
	if err == nil && p.snap == nil {
		p.order.observe(have != nil)
	}
	return have, err == nil, err
}

// decide plans the row; when the snapshot cannot vouch for the attributes it reads the user
// first (one GET) and decides again.
func (p *planner) decide(row *mapping.Row, have *observed, prov provenance, attempts *int) (action, *observed, error) {
	act := decide(row.Request, have, p.mode, prov, p.reactivate)
	if act.kind != actFetch {
		return act, have, nil
	}
	full, err := p.fetch(have.pk, attempts)
	if err != nil {
		return action{}, have, err
	}
	if full == nil { // deleted meanwhile
		return action{kind: actCreate}, nil, nil
	}
	return decide(row.Request, full, p.mode, prov, p.reactivate), full, nil
}

// lookup finds a user by username (exact, case-sensitive, F-L1), with retries; nil when
// there is none.
func (p *planner) lookup(username string, attempts *int) (*observed, error) {
	var u *authentik.User
	var found bool
	err := p.pacer.call("find user", attempts, func(ctx context.Context) error {
		var e error
		u, found, e = p.client.FindUserByUsername(ctx, username)
		return e
	})
	if err != nil || !found {
		return nil, err
	}
	return observe(u, true), nil
}

// fetch reads one user whole; nil when it no longer exists.
func (p *planner) fetch(pk int, attempts *int) (*observed, error) {
	var u *authentik.User
	err := p.pacer.call("read user", attempts, func(ctx context.Context) error {
		var e error
		u, e = p.client.GetUser(ctx, pk)
		return e
	})
	if authentik.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return observe(u, true), nil
}

// emailWarnings names authentik users other than the row's that have its e-mail address:
// allowed (F-U5) but confusing at login. The snapshot answers from its index; per row it
// costs a request, so only the dry run asks.
func (p *planner) emailWarnings(row *mapping.Row) []string {
	if row.Request.Email == nil || *row.Request.Email == "" {
		return nil
	}
	email := *row.Request.Email
	var others []string
	if p.snap != nil {
		others = p.snap.emailHolders(email, row.Username)
	} else {
		err := p.pacer.call("find users by email", nil, func(ctx context.Context) error {
			others = others[:0]
			return p.client.ListUsers(ctx, url.Values{"email": {email}}, func(u authentik.User) error {
				if u.Username != row.Username && len(others) < 3 {
					others = append(others, u.Username)
				}
				return nil
			})
		})
		if err != nil {
			return nil
		}
	}
	if len(others) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("duplicate email address: authentik user %s has it too", strings.Join(others, ", "))}
}
