package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/akimport/akimport/mapping"
)

// Kind is what a step does.
type Kind uint8

// The kinds of step. Rows give Create…Unproven and Finish; the scope gives Deactivate;
// undo gives Deactivate and Delete; Leave is a destroy step that a fresh read called off.
const (
	Create     Kind = iota // POST the user
	Adopt                  // the user is the one this import's unclear create made
	Update                 // PATCH the fields that differ
	Reactivate             // PATCH is_active=true (and any fields that differ)
	Unchanged              // already as the row describes
	Skip                   // exists; --on-existing skip, or a user akimport never changes
	Conflict               // exists; --on-existing fail
	Unproven               // an unclear create found a user, and nothing proves whose it is
	Fetch                  // the snapshot cannot vouch for the attributes: read, then decide
	Finish                 // an earlier run created the user: do what it left undone
	Deactivate             // PATCH is_active=false, after a fresh read
	Delete                 // DELETE, after a fresh read (undo --delete)
	Leave                  // left alone; Why says why
)

// Todo is what follows a create: the password or hash, then the recovery e-mail.
type Todo uint8

// The steps after a create.
const (
	SetPassword Todo = 1 << iota
	SetHash
	SendEmail
	AfterCreate = SetPassword | SetHash | SendEmail
)

// Step is one thing to do to one user, with what doing it needs.
type Step struct {
	Kind     Kind
	Row      *mapping.Row // the input row; nil for leavers and undo
	User     *User        // the user authentik has; nil for a create
	Patch    map[string]any
	Groups   GroupChange
	Todo     Todo
	Warnings []string
	Why      string
	// Blind: a create sent without looking first; its answer tells the request order
	// whether the user existed.
	Blind bool
	// MayBeOurs: an earlier run may have created this row's user unseen (see Decide).
	MayBeOurs bool
}

// GroupChange names the groups an update adds and removes (UUIDs).
type GroupChange struct{ Added, Removed []string }

// Describe is the step in words, as the dry run's action cell shows it. names turns a
// group UUID into its name where known.
func (s Step) Describe(names func(uuid string) string) string {
	switch s.Kind {
	case Create:
		return "create"
	case Adopt:
		return "created by this import earlier (confirmed by lookup and pk)"
	case Update, Reactivate:
		fields := make([]string, 0, len(s.Patch))
		for k := range s.Patch {
			if k == "groups" {
				k = "groups" + s.Groups.describe(names)
			}
			fields = append(fields, k)
		}
		slices.Sort(fields)
		return strings.ToLower(s.Kind.String()) + ": " + strings.Join(fields, ", ")
	case Skip:
		return "skip (exists)"
	case Conflict:
		return "fail (exists)"
	case Finish:
		return "finish the earlier run's create: " + cmp.Or(s.Todo.String(), "read the user again")
	case Leave, Unproven:
		return "leave alone: " + s.Why
	}
	return strings.ToLower(s.Kind.String())
}

func (g GroupChange) describe(names func(string) string) string {
	var parts []string
	for _, set := range []struct {
		sign string
		ids  []string
	}{{"+", g.Added}, {"-", g.Removed}} {
		for _, id := range set.ids {
			if names != nil && names(id) != "" {
				id = names(id)
			}
			parts = append(parts, set.sign+id)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, " ") + ")"
}

func (k Kind) String() string {
	return [...]string{"Create", "Adopt", "Update", "Reactivate", "Unchanged", "Skip", "Conflict", "Unproven",
		"Fetch", "Finish", "Deactivate", "Delete", "Leave"}[k]
}

func (t Todo) String() string {
	var parts []string
	if t&SetPassword != 0 {
		parts = append(parts, "set the password")
	}
	if t&SetHash != 0 {
		parts = append(parts, "set the password hash")
	}
	if t&SendEmail != 0 {
		parts = append(parts, "send the recovery e-mail")
	}
	return strings.Join(parts, ", ")
}

// PlanLine is the dry run's last line, Terraform's "Plan:" line for users, e.g.
// "plan: 3 create, 1 update, 2 invalid"; counts are by label (Label), zero counts left out.
func PlanLine(counts map[string]int) string {
	var parts []string
	for _, label := range []string{"create", "finish", "update", "reactivate", "deactivate", "delete", "unchanged", "skip", "conflict", "invalid"} {
		if n := counts[label]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	if len(parts) == 0 {
		return "plan: nothing to do"
	}
	return "plan: " + strings.Join(parts, ", ")
}

// Label is the step's word in the plan line.
func (k Kind) Label() string {
	switch k {
	case Adopt, Finish:
		return "finish"
	case Unproven:
		return "conflict"
	case Leave:
		return "skip"
	}
	return strings.ToLower(k.String())
}
