package authentiktest

import (
	"fmt"
	"math/big"
	"strings"
)

// parsePyUUID accepts what Python's uuid.UUID(hex=…) accepts: optional "urn:"/"uuid:"
// prefixes and braces, hyphens anywhere, 32 hex digits in either case. It returns the
// canonical lower-case hyphenated form.
func parsePyUUID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	s = strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	if len(s) != 32 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	return canonicalUUID(strings.ToLower(s)), true
}

// uuidFromInt is Python's uuid.UUID(int=n): 0 ≤ n < 2^128.
func uuidFromInt(decimal string) (string, bool) {
	n, ok := new(big.Int).SetString(decimal, 10)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return "", false
	}
	return canonicalUUID(fmt.Sprintf("%032x", n)), true
}

func canonicalUUID(hex32 string) string {
	return hex32[0:8] + "-" + hex32[8:12] + "-" + hex32[12:16] + "-" + hex32[16:20] + "-" + hex32[20:32]
}

// uuidV4 formats 128 random bits as a version 4 UUID.
func uuidV4(hi, lo uint64) string {
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	return canonicalUUID(fmt.Sprintf("%016x%016x", hi, lo))
}
