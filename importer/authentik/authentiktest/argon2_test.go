package authentiktest

import (
	"bytes"
	"encoding/base64"
	"testing"

	"golang.org/x/crypto/argon2"
)

// The simulator's Argon2 agrees with golang.org/x/crypto/argon2 where both compute, and with
// Django's published argon2 1.0 vector (F-H2) where only it does.
func TestArgon2Key(t *testing.T) {
	for _, c := range []struct{ t, m, p, keyLen uint32 }{{1, 8, 1, 32}, {2, 64, 2, 16}, {3, 256, 4, 100}, {1, 1024, 1, 32}, {2, 200, 3, 64}} {
		pw, salt := []byte("pässword"), []byte("somesalt-12")
		if got, want := argon2Key(2, 0x13, pw, salt, c.t, c.m, c.p, c.keyLen), argon2.IDKey(pw, salt, c.t, c.m, uint8(c.p), c.keyLen); !bytes.Equal(got, want) {
			t.Errorf("argon2id %+v: got %x, want %x", c, got, want)
		}
		if got, want := argon2Key(1, 0x13, pw, salt, c.t, c.m, c.p, c.keyLen), argon2.Key(pw, salt, c.t, c.m, uint8(c.p), c.keyLen); !bytes.Equal(got, want) {
			t.Errorf("argon2i %+v: got %x, want %x", c, got, want)
		}
	}
	// Django's test_argon2: argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOX… of "secret", made before v= existed.
	want, _ := base64.RawStdEncoding.DecodeString("gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg")
	if got := argon2Key(1, 0x10, []byte("secret"), []byte("somesalt"), 1, 8, 1, 64); !bytes.Equal(got, want) {
		t.Errorf("argon2i v=16: got %x, want %x", got, want)
	}
	// argon2-cffi 21.1's hash_secret of "secret", salt "somesalt", t=2, m=64, p=2, type D.
	for version, b64 := range map[uint32]string{0x13: "zBIJZundOkYeQo2rRvRf7lmHLJMgMbmZ", 0x10: "h9u8WNHF/j+LGRixPnb8r3Sp4OZ2eajR"} {
		want, _ := base64.RawStdEncoding.DecodeString(b64)
		if got := argon2Key(0, version, []byte("secret"), []byte("somesalt"), 2, 64, 2, 24); !bytes.Equal(got, want) {
			t.Errorf("argon2d version %#x: got %x, want %x", version, got, want)
		}
	}
}
