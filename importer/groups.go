package importer

import (
	"context"
	"fmt"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// groupCache resolves group names to UUIDs once per run (F-L4). It is used by the producer
// goroutine only.
type groupCache struct {
	r     *run
	uuids map[string]string // name → UUID; "" = does not exist
}

func newGroupCache(r *run) *groupCache {
	return &groupCache{r: r, uuids: map[string]string{}}
}

func (c *groupCache) resolve(name string) (string, error) {
	if uuid, ok := c.uuids[name]; ok {
		return uuid, nil
	}
	var g *authentik.Group
	var found bool
	err := c.r.call("find group", nil, func(ctx context.Context) error {
		var e error
		g, found, e = c.r.client.FindGroupByName(ctx, name)
		return e
	})
	if err != nil {
		return "", err
	}
	uuid := ""
	if found {
		uuid = g.PK
	}
	c.uuids[name] = uuid
	return uuid, nil
}

// resolveGroups turns the row's group names into UUIDs; an unknown name makes the row
// invalid. Offline (dry run without --url) names cannot be checked, which the row says.
func (r *run) resolveGroups(row *mapping.Row) {
	if r.groups == nil {
		row.Warnings = append(row.Warnings, fmt.Sprintf("group names not checked without --url: %v", row.GroupNames))
		return
	}
	for _, name := range row.GroupNames {
		uuid, err := r.groups.resolve(name)
		switch {
		case err != nil:
			row.Errors = ensure(row.Errors)
			row.Errors.Add("groups", fmt.Sprintf("Group %q could not be looked up: %v", name, err))
		case uuid == "":
			row.Errors = ensure(row.Errors)
			row.Errors.Add("groups", fmt.Sprintf("Group %q does not exist in authentik.", name))
		default:
			row.Request.Groups = append(row.Request.Groups, uuid)
		}
	}
}

func ensure(fe authentik.FieldErrors) authentik.FieldErrors {
	if fe == nil {
		return authentik.FieldErrors{}
	}
	return fe
}
