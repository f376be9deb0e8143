package plan

import (
	"fmt"

	"github.com/akimport/akimport/importer/authentik"
)

// Guard is what a deactivation or a delete must still find true just before it writes.
type Guard struct {
	Scope           string                     // --deactivate-missing: the user must still be under it
	Mark            *Mark                      // undo: the user must have been created after the import began (when proven)
	End             int                        // undo: found by username, the user must not be younger than the import (0 = unknown)
	Named           func(username string) bool // deactivation: a row of the file names the user
	Me              int                        // the token's own user (pk): never touched
	AllowSuperusers bool
}

// Check decides a destroy step again from a fresh read of its user (nil: gone): it may act
// only on the same user (uuid), still active (a deactivation), still in scope, not the
// token's user, not a superuser unless allowed. MayBeOurs marks an undo target found by
// username after an unclear create: only a proven mark can vouch for it. The step comes
// back as Leave with why.
func (g Guard) Check(s Step, fresh *authentik.User) Step {
	why := ""
	switch {
	case fresh == nil && s.User.PK == 0:
		why = "not found: no user has this username"
	case fresh == nil:
		why = fmt.Sprintf("gone: no user has pk %d any more", s.User.PK)
	case s.MayBeOurs && (g.Mark == nil || !g.Mark.Proven):
		why = "the import's create was unclear, and authentik did not show that it orders users by pk, so nothing proves the import made this user"
	case s.MayBeOurs && g.End > 0 && fresh.PK > g.End:
		why = fmt.Sprintf("created after the import ended (pk %d is above %d, the highest when it ended)", fresh.PK, g.End)
	case fresh.UUID != s.User.UUID:
		why = fmt.Sprintf("replaced: pk %d now holds another user (uuid %s, not %s)", s.User.PK, fresh.UUID, s.User.UUID)
	case fresh.PK == g.Me:
		why = "this is the token's own user"
	case fresh.IsSuperuser && !g.AllowSuperusers:
		why = "a superuser: left alone without --allow-superusers"
	case fresh.Type == internalServiceAccount:
		why = "an internal service account (an outpost's)"
	case g.Mark != nil && g.Mark.Proven && fresh.PK <= g.Mark.PK:
		why = fmt.Sprintf("existed before the import (pk %d is not above %d, the highest pk when it began)", fresh.PK, g.Mark.PK)
	case s.Kind == Deactivate && g.Named != nil && g.Named(fresh.Username):
		why = fmt.Sprintf("renamed to %q, which the file lists", fresh.Username)
	case !InScope(fresh.Path, g.Scope):
		why = fmt.Sprintf("moved out of %s (path %s)", g.Scope, fresh.Path)
	case s.Kind == Deactivate && !fresh.IsActive:
		why = "already inactive"
	default:
		s.User = Observe(fresh, g.Scope)
		return s
	}
	return Step{Kind: Leave, User: s.User, Why: why}
}

// Leavers are the active users in scope that no row names, for --deactivate-missing, in
// username order; inScope counts the active users in scope (the base of --max-deactivate).
// The token's user, outposts' accounts and, unless allowed, superusers are never leavers.
func Leavers(snap *Snapshot, named func(username string) bool, g Guard) (leavers []*User, inScope int, spared []string) {
	snap.Each(func(u *User) {
		if !u.Active || !u.InScope || u.Internal {
			return
		}
		inScope++
		switch {
		case named(u.Username):
		case u.PK == g.Me || (u.Superuser && !g.AllowSuperusers):
			spared = append(spared, u.Username)
		default:
			leavers = append(leavers, u)
		}
	})
	return leavers, inScope, spared
}
