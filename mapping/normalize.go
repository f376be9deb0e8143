package mapping

import (
	"strings"
	"unicode"
)

// Strip is a text value as authentik stores it: DRF's CharField (trim_whitespace) strips it
// with Python's str.strip(), which removes Unicode white space and the separators
// U+001C–U+001F (facts.md F-U3a). The stripped username is a row's identity everywhere:
// duplicate detection, lookups, comparison, deactivation and the report.
func Strip(s string) string {
	return strings.TrimFunc(s, isPythonSpace)
}

// isPythonSpace is Python's str.isspace() for one character.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// normalizeText strips a text field the way authentik will and, when that changed the value,
// notes it on the row: a padded cell in an export is worth knowing about, never an error.
func (a *assembler) normalizeText(field, s string) string {
	stripped := Strip(s)
	if stripped != s {
		a.warnings = append(a.warnings, field+": white space around the value removed, as authentik stores it")
	}
	return stripped
}
