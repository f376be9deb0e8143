package authentiktest

import (
	"encoding/base64"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

// avatar is authentik's "initials" avatar: an SVG data URI with up to two initials of the
// name (of the first and last word), "AK" for a user without a name. It needs no outside
// lookup, unlike gravatar (F-U14).
func avatar(u authentik.User) string {
	words := strings.Fields(u.Name)
	if len(words) == 0 {
		words = []string{"a", "k"}
	}
	var initials string
	if len(words) == 1 {
		initials = firstRunes(words[0], 2)
	} else {
		initials = firstRunes(words[0], 1) + firstRunes(words[len(words)-1], 1)
	}
	svg := `<svg width="64" height="64" xmlns="http://www.w3.org/2000/svg"><rect fill="#4a90d9" width="64" height="64"/>` +
		`<text x="50%" y="50%" fill="#ffffff" font-family="sans-serif" font-size="28" text-anchor="middle" dominant-baseline="central">` +
		html.EscapeString(strings.ToUpper(initials)) + `</text></svg>`
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

func firstRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
