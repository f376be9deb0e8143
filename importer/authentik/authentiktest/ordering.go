package authentiktest

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// userOrder compares two users as a list's ORDER BY does; nil is the default, by username.
type userOrder func(a, b *authentik.User) int

// userOrderFields are the fields ordering= may name (F-L6): readable fields of the serializer.
var userOrderFields = map[string]func(a, b *authentik.User) int{
	"pk":           func(a, b *authentik.User) int { return cmp.Compare(a.PK, b.PK) },
	"username":     func(a, b *authentik.User) int { return strings.Compare(a.Username, b.Username) },
	"name":         func(a, b *authentik.User) int { return strings.Compare(a.Name, b.Name) },
	"email":        func(a, b *authentik.User) int { return strings.Compare(a.Email, b.Email) },
	"path":         func(a, b *authentik.User) int { return strings.Compare(a.Path, b.Path) },
	"type":         func(a, b *authentik.User) int { return strings.Compare(a.Type, b.Type) },
	"uuid":         func(a, b *authentik.User) int { return strings.Compare(a.UUID, b.UUID) },
	"is_active":    func(a, b *authentik.User) int { return compareBool(a.IsActive, b.IsActive) },
	"is_superuser": func(a, b *authentik.User) int { return compareBool(a.IsSuperuser, b.IsSuperuser) },
	"last_login":   compareLastLogin,
}

// ordering is DRF's OrderingFilter on ?ordering= (F-L6): comma-separated fields, "-" for
// descending, unknown fields dropped; none left (or Options.IgnoreOrdering) is the default.
func (s *Server) ordering(q url.Values) userOrder {
	if s.opts.IgnoreOrdering {
		return nil
	}
	var keys []func(a, b *authentik.User) int
	for _, f := range strings.Split(lastValue(q, "ordering"), ",") {
		f = strings.TrimSpace(f)
		desc := strings.HasPrefix(f, "-")
		by, ok := userOrderFields[strings.TrimPrefix(f, "-")]
		if !ok {
			continue
		}
		if desc {
			asc := by
			by = func(a, b *authentik.User) int { return asc(b, a) }
		}
		keys = append(keys, by)
	}
	if len(keys) == 0 {
		return nil
	}
	return func(a, b *authentik.User) int {
		for _, by := range keys {
			if c := by(a, b); c != 0 {
				return c
			}
		}
		return 0
	}
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// compareLastLogin sorts never-logged-in users last, as PostgreSQL sorts NULLs.
func compareLastLogin(a, b *authentik.User) int {
	switch {
	case a.LastLogin == nil && b.LastLogin == nil:
		return 0
	case a.LastLogin == nil:
		return 1
	case b.LastLogin == nil:
		return -1
	}
	return strings.Compare(*a.LastLogin, *b.LastLogin)
}
