package mapping

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// authentik's messages (F-U3…F-U11), word for word, so a refusal here reads like the server's.
const (
	msgRequired               = "This field is required."
	msgBlank                  = "This field may not be blank."
	msgNull                   = "This field may not be null."
	msgNotString              = "Not a valid string."
	msgUsernameTooLong        = "Ensure this field has no more than 150 characters."
	msgEmailTooLong           = "Ensure this field has no more than 254 characters."
	msgEmailInvalid           = "Enter a valid email address."
	msgBoolInvalid            = "Must be a valid boolean."
	msgDateTimeInvalid        = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgAttributesInvalid      = "Value must be a dictionary, and not have any duplicate keys."
	msgPathSlashes            = "No leading or trailing slashes allowed."
	msgPathEmptySegment       = "No empty segments in user path allowed."
	msgInternalServiceAccount = "Setting a user to internal service account is not allowed."
	msgNullCharacters         = "Null characters are not allowed."
	// Not authentik's: a line break in a username is a broken file; Django checks the size.
	msgLineBreak = "A line break is not allowed in a username."
	msgTooLarge  = "The request would be larger than authentik accepts (2621440 bytes of JSON: Django's DATA_UPLOAD_MAX_MEMORY_SIZE); shorten the longest values."

	maxUsernameLength = 150
	maxEmailLength    = 254
)

// DRF's and Django's messages that hold a value: pyType is a Python type name.
func msgNotAList(pyType string) string {
	return fmt.Sprintf("Expected a list of items but got type %q.", pyType)
}
func msgInvalidChoice(v string) string { return fmt.Sprintf("\"%s\" is not a valid choice.", v) }
func msgInvalidUUID(v string) string   { return fmt.Sprintf("“%s” is not a valid UUID.", v) }

// userTypes are the values of type (F-U11); internal_service_account is refused on create.
var userTypes = []string{"internal", "external", "service_account", "internal_service_account"}

// IsUUID reports whether s is a UUID: 8-4-4-4-12 hex digits (any case), or 32 hex digits.
// A group entry that is not a UUID is a group name.
func IsUUID(s string) bool {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	return len(s) == 32 && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// usernameProblem says why a username cannot be trusted to be the one its writer meant
// (characters nobody types, a form nobody types), as a message and Row.IdentityUnsure.
func usernameProblem(s string) (msg, unsure string) {
	ascii := true // IsNormalString allocates
	for _, r := range s {
		ascii = ascii && r < utf8.RuneSelf
		switch {
		case ' ' <= r && r < 0x7f: // printable ASCII
		case r == '\n' || r == '\r':
			return msgLineBreak, "line break in the username"
		case r == 0:
			return msgNullCharacters + " Delete the NUL (U+0000) from the username.", "NUL in the username"
		case r == utf8.RuneError:
			return "The username has U+FFFD, the mark of a character lost in decoding: fix it in the source, or give the file's --encoding.", "undecodable character in the username"
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("The username has an invisible or control character (U+%04X): delete it.", r), "invisible character in the username"
		case unicode.IsSpace(r):
			return fmt.Sprintf("The username has a space that is not a plain space (U+%04X): type a plain space.", r), "odd space in the username"
		}
	}
	if !ascii && !norm.NFC.IsNormalString(s) {
		return "The username is in decomposed Unicode form (NFD): save the file in composed form (NFC), as people type.", "username not in NFC"
	}
	return "", ""
}

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Strip is a text value as authentik stores it, stripped by DRF with Python's str.strip()
// (Unicode white space and U+001C–U+001F, F-U3a): a row's identity is its stripped username.
func Strip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f })
}

// parseBool reads is_active: true/false, 1/0, yes/no in any case.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// validEmail is Django's EmailValidator: a dot-atom or quoted local part, and a domain of
// letter-digit-hyphen labels, an IP literal in brackets, or localhost.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 0 || utf8.RuneCountInString(s) > 320 || !validEmailUser(s[:at]) {
		return false
	}
	domain := s[at+1:]
	if domain == "localhost" || validEmailDomain(domain) {
		return true
	}
	// Django retries an internationalised domain in its punycode form.
	ascii, ok := approximatePunycode(domain)
	return ok && validEmailDomain(ascii)
}

// atext are the characters of a dot-atom besides letters and digits.
const atext = "-!#$%&'*+/=?^_`{}|~"

func validEmailUser(u string) bool {
	if len(u) >= 2 && u[0] == '"' && u[len(u)-1] == '"' {
		q := u[1 : len(u)-1]
		for i := 0; i < len(q); i++ {
			bad := "\x00\t\n\r \"\\" // unescaped
			if q[i] == '\\' && i+1 < len(q) {
				i, bad = i+1, "\x00\n\r"
			}
			if q[i] > 0x7f || strings.IndexByte(bad, q[i]) >= 0 {
				return false
			}
		}
		return true
	}
	// dot-separated atoms, none empty
	return u != "" && alnumOr(u, atext) && u[0] != '.' && u[len(u)-1] != '.' && !strings.Contains(u, "..")
}

func validEmailDomain(d string) bool {
	if len(d) > 2 && d[0] == '[' && d[len(d)-1] == ']' {
		lit := d[1 : len(d)-1]
		_, err := netip.ParseAddr(lit)
		return err == nil && alnumOr(lit, ":") // no zone
	}
	lastDot := strings.LastIndexByte(d, '.')
	if lastDot < 0 || !alnumOr(d, "-") {
		return false
	}
	for l := range strings.SplitSeq(d[:lastDot], ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := d[lastDot+1:]
	return len(tld) >= 2 && len(tld) <= 63 && tld[len(tld)-1] != '-'
}

// alnumOr reports whether s holds only ASCII letters, digits, dots and bytes of extra.
func alnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != '.' && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// approximatePunycode stands in for Python's IDNA encoding: a label with non-ASCII letters
// becomes an "xn--" label of about the right length; ok is false for a bad label.
func approximatePunycode(d string) (string, bool) {
	if !utf8.ValidString(d) {
		return "", false
	}
	labels := strings.Split(d, ".")
	for i, l := range labels {
		n := utf8.RuneCountInString(l)
		if n == len(l) {
			continue // ASCII
		}
		if l[0] == '-' || l[len(l)-1] == '-' || strings.ContainsFunc(l, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '-'
		}) {
			return "", false
		}
		labels[i] = "xn--" + strings.Repeat("a", n)
	}
	return strings.Join(labels, "."), true
}

// validDateTime reports whether authentik takes s as a date-time (see ParseDateTime).
func validDateTime(s string) bool {
	_, ok := ParseDateTime(s)
	return ok
}

// ParseDateTime reads last_login as authentik does: Django's parse_datetime (YYYY-MM-DD[T ]
// hh:mm[:ss[.ffffff]][ ][Z|±hh[[:]mm]], one-digit month, day, hour, minute) or a bare date
// (fromisoformat), a real date and time; no zone means UTC (authentik's TIME_ZONE).
func ParseDateTime(s string) (time.Time, bool) {
	p := dateScanner{s: s, ok: true}
	year := p.digits(4, 4)
	p.need('-')
	month := p.digits(1, 2)
	p.need('-')
	day := p.digits(1, 2)
	if !p.ok || year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return time.Time{}, false
	}
	if p.done() { // fromisoformat wants YYYY-MM-DD exactly
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), len(s) == 10
	}
	p.ok = p.byte('T') || p.byte(' ')
	hour := p.digits(1, 2)
	p.need(':')
	minute := p.digits(1, 2)
	second, nanos := 0, 0
	if p.byte(':') {
		second = p.digits(1, 2)
		if p.byte('.') || p.byte(',') {
			start := p.i
			p.digits(1, 12)
			nanos, _ = strconv.Atoi((s[start:p.i] + "000000000")[:9]) // past the ninth digit dropped
		}
	}
	p.i = len(s) - len(strings.TrimLeftFunc(s[p.i:], unicode.IsSpace)) // Python's \s
	zone := time.UTC
	switch {
	case p.byte('Z'):
	case p.byte('+'), p.byte('-'):
		sign := 1
		if s[p.i-1] == '-' {
			sign = -1
		}
		hh, mm := p.digits(2, 2), 0
		if !p.done() {
			p.byte(':')
			mm = p.digits(2, 2)
		}
		p.ok = p.ok && hh*60+mm < 24*60 // Python's timezone wants less than a day
		zone = time.FixedZone("", sign*(hh*3600+mm*60))
	}
	if !p.ok || !p.done() || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nanos, zone), true
}

func daysIn(year, month int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
}

// dateScanner walks a date-time string left to right; ok turns false at the first mismatch.
type dateScanner struct {
	s  string
	i  int
	ok bool
}

func (p *dateScanner) done() bool { return p.i == len(p.s) }

func (p *dateScanner) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *dateScanner) need(c byte) { p.ok = p.ok && p.byte(c) }

// digits reads minDigits to maxDigits ASCII digits and returns their value.
func (p *dateScanner) digits(minDigits, maxDigits int) int {
	n, v := 0, 0
	for ; n < maxDigits && p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9'; n++ {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	p.ok = p.ok && n >= minDigits
	return v
}
