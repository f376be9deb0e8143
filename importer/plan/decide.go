package plan

import (
	"slices"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// OnExisting is --on-existing: what to do when the username exists.
type OnExisting string

// The --on-existing choices.
const (
	OnExistingFail   OnExisting = "fail"
	OnExistingSkip   OnExisting = "skip"
	OnExistingUpdate OnExisting = "update"
)

// Mark is the highest user pk that existed when the import began (F-L6): a pk comes from a
// sequence, so a user at or below it existed before, whatever its fields. Proven is false
// when authentik did not show that it orders by pk; then no user is ever taken as ours.
type Mark struct {
	PK     int  `json:"pk"`
	Proven bool `json:"proven"`
}

// After reports whether authentik's own order proves the user was created after the mark.
func (m Mark) After(u *User) bool { return m.Proven && u.PK > m.PK }

// Policy is what the command line says about existing users.
type Policy struct {
	OnExisting OnExisting
	Reactivate bool // --reactivate: set listed, inactive users active
	AddGroups  bool // --groups-mode add: never remove a membership
	Mark       Mark
}

// Warnings the plan gives on a row.
const (
	WarnInactive = "the user is inactive in authentik and stays so (--reactivate sets listed users active)"
	WarnInternal = "an internal service account (an outpost's): akimport never changes it"
	whyUnproven  = "a create of this row may have gone through without an answer, and authentik did not show that it orders users by pk, so nothing proves whether this user is the one it made; its password and e-mail are not touched (check the user by hand)"
)

// Decide is the step for one row, from the row, the user authentik has (nil: none, as far
// as anyone looked) and the policy. mayBeOurs says that a create of this row may have gone
// through unseen (an unclear answer in this run, or a row an earlier run did not finish):
// only then, and only for a user above the mark that is exactly what the create makes, is
// the user adopted as this import's. Equal fields alone prove nothing.
func Decide(row *mapping.Row, have *User, mayBeOurs bool, p Policy) Step {
	if have == nil {
		return Step{Kind: Create, Row: row, Todo: AfterCreate}
	}
	req := row.Request
	step := Step{Row: row, User: have}
	patch, groups, complete := diff(req, have, p.AddGroups)
	switch {
	case !complete:
		step.Kind = Fetch
		return step
	case mayBeOurs && !p.Mark.Proven:
		step.Kind, step.Why = Unproven, whyUnproven
		return step
	case mayBeOurs && p.Mark.After(have) && len(patch) == 0 && createdFrom(req, have):
		step.Kind, step.Todo = Adopt, AfterCreate
		return step
	case p.OnExisting == OnExistingSkip:
		step.Kind = Skip
		return step
	case p.OnExisting != OnExistingUpdate:
		step.Kind = Conflict
		return step
	case have.Internal:
		step.Kind, step.Warnings = Skip, []string{WarnInternal}
		return step
	}
	step.Kind, step.Patch, step.Groups = Update, patch, groups
	if !have.Active && req.IsActive == nil {
		if p.Reactivate {
			patch["is_active"] = true
			step.Kind = Reactivate
		} else {
			step.Warnings = []string{WarnInactive}
		}
	}
	if len(patch) == 0 {
		step.Kind = Unchanged
	}
	return step
}

// diff returns the fields of req that differ from the user, with the values to PATCH:
// groups replace the set (or, adding, the union), attributes are merged into the user's own
// (F-L2). complete is false when the attributes may differ and only their digests are known.
func diff(req *authentik.UserRequest, have *User, addGroups bool) (patch map[string]any, groups GroupChange, complete bool) {
	patch = map[string]any{}
	text := func(key string, want *string, have uint64) {
		if want != nil && sumText(*want) != have {
			patch[key] = *want
		}
	}
	text("name", req.Name, have.sums.name)
	text("email", req.Email, have.sums.email)
	text("path", req.Path, have.sums.path)
	text("type", req.Type, have.sums.typ)
	if req.IsActive != nil && *req.IsActive != have.Active {
		patch["is_active"] = *req.IsActive
	}
	if req.LastLogin != nil && sumLastLogin(req.LastLogin) != have.sums.lastLogin {
		patch["last_login"] = *req.LastLogin
	}
	if req.Groups != nil {
		want := groupSet(req.Groups)
		for _, g := range want {
			if _, found := slices.BinarySearch(have.groups, g); !found {
				groups.Added = append(groups.Added, g)
			}
		}
		if !addGroups {
			for _, g := range have.groups {
				if _, found := slices.BinarySearch(want, g); !found {
					groups.Removed = append(groups.Removed, g)
				}
			}
		}
		if len(groups.Added)+len(groups.Removed) > 0 {
			if addGroups {
				want = groupSet(append(slices.Clone(have.groups), want...))
			}
			patch["groups"] = want
		}
	}
	if req.Attributes != nil {
		switch {
		case have.full != nil:
			if merged, changed := mergeAttributes(have.full.Attributes, req.Attributes); changed {
				patch["attributes"] = merged
			}
		case !containsLeaves(have.attrLeaves, attributeLeaves(req.Attributes, nil)):
			return patch, groups, false
		}
	}
	return patch, groups, true
}

func containsLeaves(have, want []uint64) bool {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			return false
		}
	}
	return true
}

// createdFrom reports whether the user is what creating req makes, authentik's defaults
// included. A user someone deactivated, or moved, is not.
func createdFrom(req *authentik.UserRequest, have *User) bool {
	return have.Active == (req.IsActive == nil || *req.IsActive) &&
		(req.Path != nil || have.sums.path == sumText("users")) &&
		(req.Type != nil || have.sums.typ == sumText("internal")) &&
		(req.Email != nil || have.sums.email == sumText("")) &&
		(req.Groups != nil || len(have.groups) == 0)
}
