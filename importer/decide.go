package importer

import (
	"slices"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// provenance says whether the user found for a row may be one this import created.
type provenance uint8

const (
	// preExisting: nothing says akimport created the user; it is someone else's, so
	// --on-existing applies and its password is never set.
	preExisting provenance = iota
	// maybeOurs: a create of this row may have gone through without an answer: an
	// uncertain attempt of this run, or an open write-ahead record of a crashed earlier run.
	maybeOurs
)

// actionKind is what the plan does with a row.
type actionKind uint8

const (
	actCreate     actionKind = iota // POST the user
	actAdopt                        // the user is the one our uncertain create made: it is created
	actUpdate                       // PATCH the fields that differ
	actReactivate                   // PATCH is_active=true (and any fields that differ)
	actUnchanged                    // already as the row describes
	actSkip                         // exists; --on-existing skip (or a user akimport never changes)
	actConflict                     // exists; --on-existing fail
	actFetch                        // the snapshot cannot tell (attributes): read the user, decide again
)

// action is a decision: what to do, and for an update the fields to PATCH.
type action struct {
	kind     actionKind
	patch    map[string]any
	warnings []string
	// blind: a create planned without looking (per-row lookups, create first); its answer
	// tells whether the user existed, which the request order learns from.
	blind bool
}

// Warnings the plan gives on a row.
const (
	warnInactive = "the user is inactive in authentik and stays so (--reactivate sets listed users active)"
	warnInternal = "an internal service account (an outpost's): akimport never changes it"
)

// decide is the plan for one row: from the row's request, the user authentik has (nil: none,
// as far as the planner knows), the --on-existing mode, whether this import may have created
// that user, and --reactivate. It is pure: the real run and the dry run both call it.
func decide(req *authentik.UserRequest, have *observed, mode OnExisting, prov provenance, reactivate bool) action {
	if have == nil {
		return action{kind: actCreate}
	}
	patch, complete := diff(req, have)
	if !complete {
		return action{kind: actFetch}
	}
	if prov == maybeOurs && len(patch) == 0 && createdFrom(req, have) {
		return action{kind: actAdopt}
	}
	switch mode {
	case OnExistingSkip:
		return action{kind: actSkip}
	case OnExistingUpdate:
	default:
		return action{kind: actConflict}
	}
	if have.internal {
		return action{kind: actSkip, warnings: []string{warnInternal}}
	}
	kind := actUpdate
	var warnings []string
	if !have.active && req.IsActive == nil {
		if reactivate {
			patch["is_active"] = true
			kind = actReactivate
		} else {
			warnings = append(warnings, warnInactive)
		}
	}
	if len(patch) == 0 {
		return action{kind: actUnchanged, warnings: warnings}
	}
	return action{kind: kind, patch: patch, warnings: warnings}
}

// diff returns the fields of req that differ from the user, with the values to PATCH (F-L2:
// groups replace the set; attributes are merged into the user's own, keys the row does not
// name are kept). complete is false when the attributes may differ and the user's own are
// not known (a snapshot keeps only digests): the caller reads the user and asks again.
func diff(req *authentik.UserRequest, have *observed) (patch map[string]any, complete bool) {
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
	if req.IsActive != nil && *req.IsActive != have.active {
		patch["is_active"] = *req.IsActive
	}
	if req.LastLogin != nil && sumLastLogin(req.LastLogin) != have.sums.lastLogin {
		patch["last_login"] = *req.LastLogin
	}
	if req.Groups != nil && sumGroups(req.Groups) != have.sums.groups {
		patch["groups"] = req.Groups
	}
	if req.Attributes != nil {
		switch {
		case have.full != nil:
			if merged, changed := mergeAttributes(have.full.Attributes, req.Attributes); changed {
				patch["attributes"] = merged
			}
		case !containsLeaves(have.attrLeaves, attributeLeaves(req.Attributes, nil)):
			return patch, false
		}
	}
	return patch, true
}

// containsLeaves reports whether every leaf of want is among have (sorted).
func containsLeaves(have, want []uint64) bool {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			return false
		}
	}
	return true
}

// createdFrom reports whether the user is what creating req makes, authentik's defaults
// included: only then may an uncertain create be taken as ours. A user that someone
// deactivated, or moved to another path, is not.
func createdFrom(req *authentik.UserRequest, have *observed) bool {
	wantActive := req.IsActive == nil || *req.IsActive
	return have.active == wantActive &&
		(req.Path != nil || have.sums.path == sumText(defaultPath)) &&
		(req.Type != nil || have.sums.typ == sumText(defaultType)) &&
		(req.Email != nil || have.sums.email == sumText("")) &&
		(req.Groups != nil || have.sums.groups == sumGroups(nil))
}

// authentik's defaults for fields a create does not send (F-U10, F-U11).
const (
	defaultPath = "users"
	defaultType = "internal"
)

// describe is the plan of a row in words, as the dry run's action cell shows it.
func (a action) describe() string {
	switch a.kind {
	case actCreate:
		return "create"
	case actAdopt:
		return "created by the earlier run (confirmed by lookup)"
	case actUpdate:
		return "update: " + strings.Join(sortedKeys(a.patch), ", ")
	case actReactivate:
		return "reactivate: " + strings.Join(sortedKeys(a.patch), ", ")
	case actUnchanged:
		return "unchanged"
	case actSkip:
		return "skip (exists)"
	case actConflict:
		return "fail (exists)"
	}
	return "look the user up"
}
