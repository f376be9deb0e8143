package mapping

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// authentik's messages (facts F-U3…F-U11), word for word, so a row refused here reads exactly
// like a row refused by the server.
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
	// Not authentik's: a line break in a username is a broken file; Django checks the size.
	msgLineBreak = "A line break is not allowed in a username."
	msgTooLarge  = "The request would be larger than authentik accepts (2621440 bytes of JSON: Django's DATA_UPLOAD_MAX_MEMORY_SIZE); shorten the longest values."
)

const (
	maxUsernameLength = 150
	maxEmailLength    = 254
)

// msgNotAList is DRF's answer when groups is not a list; pyType is the Python type name.
func msgNotAList(pyType string) string {
	return fmt.Sprintf("Expected a list of items but got type %q.", pyType)
}

// msgInvalidChoice is DRF's answer to a type that is not one of the choices.
func msgInvalidChoice(v string) string { return fmt.Sprintf("\"%s\" is not a valid choice.", v) }

// msgInvalidUUID is Django's answer to a malformed UUID (with curly quotes).
func msgInvalidUUID(v string) string { return fmt.Sprintf("“%s” is not a valid UUID.", v) }

// userTypes are the values of type (F-U11); internal_service_account is refused on create.
var userTypes = []string{"internal", "external", "service_account", "internal_service_account"}

const internalServiceAccount = "internal_service_account"

// IsUUID reports whether s is a UUID: 8-4-4-4-12 hex digits (any case), or 32 hex digits.
// A group entry that is not a UUID is a group name.
func IsUUID(s string) bool {
	switch len(s) {
	case 36:
		for i := 0; i < len(s); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return false
				}
			} else if !isHex(s[i]) {
				return false
			}
		}
		return true
	case 32:
		for i := 0; i < len(s); i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIIAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
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

// pathError checks a user path as authentik does (F-U10); s is already trimmed.
func pathError(s string) string {
	if s == "" {
		return msgBlank
	}
	if s[0] == '/' || s[len(s)-1] == '/' {
		return msgPathSlashes
	}
	if strings.Contains(s, "//") {
		return msgPathEmptySegment
	}
	return ""
}

// validEmail is Django's EmailValidator: a dot-atom or quoted local part, and a domain of
// letter-digit-hyphen labels, an IP literal in brackets, or localhost.
func validEmail(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 320 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if !validEmailUser(user) {
		return false
	}
	if domain == "localhost" || validEmailDomain(domain) {
		return true
	}
	// Django retries an internationalised domain in its punycode form.
	if ascii, ok := approximatePunycode(domain); ok {
		return validEmailDomain(ascii)
	}
	return false
}

// atext are the characters of a dot-atom besides letters and digits.
const atext = "-!#$%&'*+/=?^_`{}|~"

func validEmailUser(u string) bool {
	if len(u) >= 2 && u[0] == '"' && u[len(u)-1] == '"' {
		return validQuotedUser(u[1 : len(u)-1])
	}
	if u == "" {
		return false
	}
	for atom := range strings.SplitSeq(u, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			if c := atom[i]; !isASCIIAlnum(c) && strings.IndexByte(atext, c) < 0 {
				return false
			}
		}
	}
	return true
}

// validQuotedUser checks the inside of a quoted local part.
func validQuotedUser(q string) bool {
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\\' {
			i++
			if i == len(q) {
				return false
			}
			if e := q[i]; e == 0 || e == '\n' || e == '\r' || e > 0x7f {
				return false
			}
			continue
		}
		if c == 0 || c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == '"' || c > 0x7f {
			return false
		}
	}
	return true
}

func validEmailDomain(d string) bool {
	if len(d) > 2 && d[0] == '[' && d[len(d)-1] == ']' {
		lit := d[1 : len(d)-1]
		for i := 0; i < len(lit); i++ {
			if c := lit[i]; !isHex(c) && c != ':' && c != '.' {
				return false
			}
		}
		_, err := netip.ParseAddr(lit)
		return err == nil
	}
	lastDot := strings.LastIndexByte(d, '.')
	if lastDot < 0 {
		return false
	}
	for l := range strings.SplitSeq(d[:lastDot], ".") {
		if len(l) < 1 || len(l) > 63 || !isASCIIAlnum(l[0]) || !isASCIIAlnum(l[len(l)-1]) {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isASCIIAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := d[lastDot+1:]
	if len(tld) < 2 || len(tld) > 63 || tld[len(tld)-1] == '-' {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isASCIIAlnum(tld[i]) && tld[i] != '-' {
			return false
		}
	}
	return true
}

// approximatePunycode stands in for Python's IDNA encoding: a label with non-ASCII letters
// becomes an "xn--" label of about the right length; ok is false for plain ASCII or a bad label.
func approximatePunycode(d string) (string, bool) {
	if !utf8.ValidString(d) || isASCII(d) {
		return "", false
	}
	labels := strings.Split(d, ".")
	for i, l := range labels {
		if isASCII(l) {
			continue
		}
		n := 0
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '-' {
				return "", false
			}
			n++
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		labels[i] = "xn--" + strings.Repeat("a", n)
	}
	return strings.Join(labels, "."), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validDateTime reports whether authentik takes s as a date-time (see ParseDateTime).
func validDateTime(s string) bool {
	_, ok := ParseDateTime(s)
	return ok
}

// ParseDateTime reads last_login as authentik does: Django's parse_datetime
// (YYYY-MM-DD[T ]hh:mm[:ss[.ffffff]][ ][Z|±hh[[:]mm]], one-digit month, day, hour and minute
// allowed) or a bare date (fromisoformat), making a real date and time; no zone means UTC
// (authentik's TIME_ZONE). The importer reads authentik's answers with it too.
func ParseDateTime(s string) (time.Time, bool) {
	p := dateScanner{s: s}
	year, ok1 := p.digits(4, 4)
	ok2 := p.byte('-')
	month, ok3 := p.digits(1, 2)
	ok4 := p.byte('-')
	day, ok5 := p.digits(1, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || !validDate(year, month, day) {
		return time.Time{}, false
	}
	if p.done() {
		// fromisoformat wants YYYY-MM-DD exactly
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), len(s) == 10
	}
	if !p.byte('T') && !p.byte(' ') {
		return time.Time{}, false
	}
	hour, ok1 := p.digits(1, 2)
	ok2 = p.byte(':')
	minute, ok3 := p.digits(1, 2)
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	second, nanos := 0, 0
	if p.byte(':') {
		var ok bool
		if second, ok = p.digits(1, 2); !ok || second > 59 {
			return time.Time{}, false
		}
		if p.byte('.') || p.byte(',') {
			start := p.i
			if _, ok := p.digits(1, 12); !ok {
				return time.Time{}, false
			}
			nanos = fractionNanos(s[start:p.i])
		}
	}
	p.spaces()
	zone := time.UTC
	switch {
	case p.byte('Z'):
	case p.byte('+'), p.byte('-'):
		sign := 1
		if s[p.i-1] == '-' {
			sign = -1
		}
		hh, ok := p.digits(2, 2)
		if !ok {
			return time.Time{}, false
		}
		mm := 0
		if !p.done() {
			p.byte(':')
			if mm, ok = p.digits(2, 2); !ok {
				return time.Time{}, false
			}
		}
		if hh*60+mm >= 24*60 {
			return time.Time{}, false // Python's timezone wants less than a day
		}
		zone = time.FixedZone("", sign*(hh*3600+mm*60))
	}
	if !p.done() {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nanos, zone), true
}

// fractionNanos reads a fraction of a second's digits as nanoseconds (past the ninth dropped).
func fractionNanos(digits string) int {
	n := 0
	for i := range 9 {
		n *= 10
		if i < len(digits) {
			n += int(digits[i] - '0')
		}
	}
	return n
}

func validDate(year, month, day int) bool {
	if year < 1 || month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// dateScanner walks a date-time string left to right.
type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) done() bool { return p.i == len(p.s) }

func (p *dateScanner) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// digits reads min to max ASCII digits and returns their value (capped, for long fractions).
func (p *dateScanner) digits(minDigits, maxDigits int) (int, bool) {
	n, v := 0, 0
	for n < maxDigits && p.i < len(p.s) && isDigit(p.s[p.i]) {
		if v < 1e6 {
			v = v*10 + int(p.s[p.i]-'0')
		}
		p.i++
		n++
	}
	return v, n >= minDigits
}

// spaces skips whitespace as Python's \s does.
func (p *dateScanner) spaces() {
	for p.i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += size
	}
}
