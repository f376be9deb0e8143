package importer

import (
	"context"

	"github.com/akimport/akimport/importer/authentik"
)

// readPages reads a list page by page through the pacer (the shared limiter, retries): each
// page is retried on its own, so a failure on page 900 retries page 900, never the first
// 899 (F-L1). It calls each for every item, from first when the caller has read page 1
// already (nil: from page 1). It stops at the last page, or at the first page that fails.
func readPages[T any](p *pacer, what string, first *authentik.Page[T],
	fetch func(ctx context.Context, n int) (authentik.Page[T], error), each func(*T)) error {
	page := first
	for n := 1; n != 0; n = page.Pagination.Next {
		if page == nil || n != 1 {
			var got authentik.Page[T]
			err := p.call(what, nil, func(ctx context.Context) error {
				var e error
				got, e = fetch(ctx, n)
				return e
			})
			if err != nil {
				return err
			}
			page = &got
		}
		for i := range page.Results {
			each(&page.Results[i])
		}
	}
	return nil
}
