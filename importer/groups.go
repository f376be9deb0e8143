package importer

import (
	"errors"
	"fmt"

	"github.com/akimport/akimport/importer/authentik"
	"github.com/akimport/akimport/mapping"
)

// groupDirectory resolves group names to UUIDs (F-L4). It reads every group once, 100 a
// page, the first time a row names one, instead of one lookup per name. It is used by the
// producer goroutine only.
type groupDirectory struct {
	pacer  *pacer
	client *authentik.Client // nil offline: names cannot be checked
	uuids  map[string]string // name → UUID
	err    error             // why the groups could not be read
}

func (d *groupDirectory) load() {
	d.uuids = map[string]string{}
	err := readPages(d.pacer, "list groups", nil, d.client.ListGroupsPage, func(g *authentik.Group) {
		d.uuids[g.Name] = g.PK
	})
	switch {
	case errors.Is(err, errStopped):
		d.uuids = nil // read them when asked again
	case err != nil:
		d.err = fmt.Errorf("the groups could not be read from authentik (--resume tries again): %w", err)
	}
}

// resolve turns the row's group names into UUIDs; an unknown name makes the row invalid.
// It returns an error, for a failed row, when the groups could not be read at all.
// Offline (dry run without --url) names cannot be checked, which the row says.
func (d *groupDirectory) resolve(row *mapping.Row) error {
	if d.client == nil {
		row.Warnings = append(row.Warnings, fmt.Sprintf("group names not checked without --url: %v", row.GroupNames))
		return nil
	}
	if d.uuids == nil && d.err == nil {
		d.load()
		if d.uuids == nil && d.err == nil {
			return errStopped
		}
	}
	if d.err != nil {
		return d.err
	}
	for _, name := range row.GroupNames {
		uuid, ok := d.uuids[name]
		if !ok {
			if row.Errors == nil {
				row.Errors = authentik.FieldErrors{}
			}
			row.Errors.Add("groups", fmt.Sprintf("Group %q does not exist in authentik.", name))
			continue
		}
		row.Request.Groups = append(row.Request.Groups, uuid)
	}
	return nil
}
