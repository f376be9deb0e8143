package mapping

import (
	"strings"
	"unicode"
)

// Strip is a text value as authentik stores it: DRF's CharField strips it with Python's
// str.strip() (Unicode white space and U+001C–U+001F, F-U3a). The stripped username is a
// row's identity everywhere.
func Strip(s string) string {
	return strings.TrimFunc(s, isPythonSpace)
}

// isPythonSpace is Python's str.isspace() for one character.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// normalizeText strips a text field as authentik will, and warns when that changed it.
func (a *assembler) normalizeText(field, s string) string {
	stripped := Strip(s)
	if stripped != s {
		a.warnings = append(a.warnings, field+": white space around the value removed, as authentik stores it")
	}
	return stripped
}
