package authentiktest

import (
	"cmp"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// ordering is DRF's OrderingFilter for the users list (F-L6): comma-separated fields, "-"
// for descending; unknown fields are ignored; nil keeps the default order (username).
func ordering(param string) func(a, b *authentik.User) int {
	var keys []func(a, b *authentik.User) int
	for _, field := range strings.Split(param, ",") {
		desc := strings.HasPrefix(field, "-")
		var key func(a, b *authentik.User) int
		switch strings.TrimPrefix(field, "-") {
		case "pk":
			key = func(a, b *authentik.User) int { return cmp.Compare(a.PK, b.PK) }
		case "username":
			key = func(a, b *authentik.User) int { return cmp.Compare(a.Username, b.Username) }
		case "name":
			key = func(a, b *authentik.User) int { return cmp.Compare(a.Name, b.Name) }
		default:
			continue
		}
		if desc {
			asc := key
			key = func(a, b *authentik.User) int { return -asc(a, b) }
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil
	}
	return func(a, b *authentik.User) int {
		for _, k := range keys {
			if c := k(a, b); c != 0 {
				return c
			}
		}
		return 0
	}
}
