package importer

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/akimport/akimport/mapping"
)

// identities are the usernames an input's rows name, as digests (a few bytes a row), for
// --deactivate-missing: who must be spared, and whether every row can be trusted to name
// the user the file meant. A digest collision spares a user, never the other way round.
type identities struct {
	exact  []nameAt // sorted by digest
	folded []uint64 // digests of the usernames folded (fold), sorted
	unsure []string // "line N: why" of rows whose username cannot be trusted
}

type nameAt struct {
	digest uint64
	line   int
}

var nameSeed = maphash.MakeSeed()

// read takes every row's username from the input's first pass.
func (ids *identities) read(r io.Reader, opts mapping.Options) (rows int64, err error) {
	reader, err := mapping.NewReader(r, opts)
	if err != nil {
		return 0, err
	}
	defer reader.Close()
	for ; ; rows++ {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rows, err
		}
		if row.IdentityUnsure != "" {
			ids.unsure = append(ids.unsure, fmt.Sprintf("line %d: %s", row.Line, row.IdentityUnsure))
			continue
		}
		ids.exact = append(ids.exact, nameAt{maphash.String(nameSeed, row.Username), row.Line})
		ids.folded = append(ids.folded, maphash.String(nameSeed, fold(row.Username)))
	}
	slices.SortFunc(ids.exact, func(a, b nameAt) int { return cmp.Or(cmp.Compare(a.digest, b.digest), cmp.Compare(a.line, b.line)) })
	for i := 1; i < len(ids.exact); i++ {
		if a, b := ids.exact[i-1], ids.exact[i]; a.digest == b.digest {
			ids.unsure = append(ids.unsure, fmt.Sprintf("line %d: the username of line %d again (which of them is meant?)", b.line, a.line))
		}
	}
	slices.Sort(ids.folded)
	return rows, nil
}

// has reports whether a row names username exactly.
func (ids *identities) has(username string) bool {
	_, ok := slices.BinarySearchFunc(ids.exact, maphash.String(nameSeed, username), func(n nameAt, d uint64) int { return cmp.Compare(n.digest, d) })
	return ok
}

// resembles reports whether a row names a username that differs from username only in
// case, spaces, invisible characters or Unicode form: the file may mean this user.
func (ids *identities) resembles(username string) bool {
	_, ok := slices.BinarySearch(ids.folded, maphash.String(nameSeed, fold(username)))
	return ok
}

// fold is a username with what a person does not see removed: case, Unicode form, spaces,
// and invisible characters (format characters, combining marks left after composition,
// variation selectors, fillers such as U+3164).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return -1
		}
		return unicode.ToLower(r)
	}, norm.NFKC.String(s))
}
