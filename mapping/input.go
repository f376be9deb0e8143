package mapping

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	xtransform "golang.org/x/text/transform"
)

// sniffBytes of a text input are checked first: binary signatures, encoding, delimiter.
const sniffBytes = 64 << 10

// ParseEncoding checks an --encoding value and returns its canonical name: utf-8, utf-16(le|be)
// or a code page such as windows-1252 (also latin-1 and iso-8859-1, as browsers do), cp850.
func ParseEncoding(name string) (string, error) {
	canon, _, err := lookupEncoding(name)
	return canon, err
}

// encodingKey is how encoding names compare, after lower-casing.
var encodingKey = strings.NewReplacer("-", "", "_", "", " ", "")

func lookupEncoding(name string) (string, encoding.Encoding, error) {
	key := encodingKey.Replace(strings.ToLower(strings.TrimSpace(name)))
	switch key {
	case "", "utf8":
		return "utf-8", nil, nil
	case "utf16", "utf16le", "utf16be":
		order := unicode.LittleEndian
		if key == "utf16be" {
			order = unicode.BigEndian
		}
		return "utf-" + key[3:5] + key[5:], unicode.UTF16(order, unicode.UseBOM), nil
	case "latin1", "l1", "iso88591", "cp1252":
		key = "windows1252"
	}
	cpKey, isCP := strings.CutPrefix(key, "cp")
	for _, e := range charmap.All {
		label := strings.ToLower(fmt.Sprint(e))
		n := strings.ReplaceAll(encodingKey.Replace(label), "codepage", "")
		if n == key || isCP && (n == "windows"+cpKey || n == "ibm"+cpKey) {
			return strings.ReplaceAll(label, " ", "-"), e, nil
		}
	}
	return "", nil, inputErrorf("unknown encoding %q: use utf-8, utf-16, windows-1252 (latin-1) or another code page such as iso-8859-15, windows-1250", name)
}

// ParseDelimiter checks a --delimiter value: one ASCII character, or "tab".
func ParseDelimiter(s string) (rune, error) {
	switch s {
	case "tab", "TAB", `\t`:
		return '\t', nil
	}
	if len(s) != 1 || strings.ContainsAny(s, "\"\r\n") || isASCIIAlnum(s[0]) || s[0] >= utf8.RuneSelf {
		return 0, inputErrorf("--delimiter %q: want one character such as , ; | or tab", s)
	}
	return rune(s[0]), nil
}

// openText checks opts and that r is text, decodes it to UTF-8 and drops its byte order mark.
// The textWatch says whether any cell may hold invalid UTF-8 or a NUL byte.
func openText(r io.Reader, opts Options) (*bufio.Reader, *textWatch, error) {
	if opts.Delimiter != 0 {
		if _, err := ParseDelimiter(string(opts.Delimiter)); err != nil {
			return nil, nil, err
		}
	}
	canon, dec, err := lookupEncoding(opts.Encoding)
	if err != nil {
		return nil, nil, err
	}
	w := &textWatch{r: r}
	br := bufio.NewReaderSize(w, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, fmt.Errorf("reading the input: %w", err)
	}
	if opts.Encoding == "" && (bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})) {
		canon, dec = "utf-16", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	}
	if !strings.HasPrefix(canon, "utf-16") {
		if msg := notText(head); msg != "" {
			return nil, nil, inputErrorf("%s", msg)
		}
		if dec != nil && isUTF8(head) {
			return nil, nil, inputErrorf("the file is UTF-8 (its byte order mark or other characters), but --encoding %s would misread its non-ASCII characters: leave --encoding out", canon)
		}
		if bytes.HasPrefix(head, []byte("\uFEFF")) {
			head = head[3:]
			_, _ = br.Discard(3) // Peek holds the bytes: cannot fail
		}
	}
	if dec != nil {
		w = &textWatch{r: xtransform.NewReader(br, dec.NewDecoder())}
		br = bufio.NewReaderSize(w, sniffBytes)
	} else if msg := notUTF8(head); msg != "" {
		return nil, nil, inputErrorf("%s", msg)
	}
	if start, _ := br.Peek(2); opts.Format == FormatCSV && string(start) == `{"` {
		return nil, nil, inputErrorf("the file looks like JSON Lines, not CSV: give --format jsonl, or name the file .jsonl")
	}
	return br, w, nil
}

// isUTF8 reports a head of valid UTF-8 that is not ASCII (a byte order mark, say): a legacy
// code page would misread it. Some exporters write a BOM before Windows-1252: not valid UTF-8.
func isUTF8(head []byte) bool {
	if len(head) == sniffBytes { // more follows: whole lines only, so no character is cut
		head = head[:bytes.LastIndexByte(head, '\n')+1]
	}
	return utf8.Valid(head) && slices.ContainsFunc(head, func(c byte) bool { return c >= utf8.RuneSelf })
}

// textWatch checks the text read through it for invalid UTF-8 and NUL bytes: until it finds
// one (dirty), cells need no check of their own, which would cost a tenth of a row's time.
type textWatch struct {
	r     io.Reader
	tail  []byte // an incomplete character at the end of the last read
	dirty bool
}

func (w *textWatch) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	b := p[:n]
	if !w.dirty && len(w.tail) > 0 && n > 0 {
		// the character begun in the last read: its other bytes start this one
		k := min(n, utf8.UTFMax-len(w.tail))
		if c := append(w.tail, b[:k]...); !utf8.FullRune(c) && k == n {
			w.tail, b = c, nil // still incomplete
		} else {
			r, size := utf8.DecodeRune(c)
			w.dirty = r == utf8.RuneError && size <= 1
			b, w.tail = b[max(size-len(w.tail), 0):], w.tail[:0]
		}
	}
	if w.dirty {
		return n, err
	}
	for i := len(b) - 1; i >= max(len(b)-utf8.UTFMax+1, 0); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				w.tail, b = append(w.tail, b[i:]...), b[:i]
			}
			break
		}
	}
	w.dirty = !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 || err != nil && len(w.tail) > 0
	return n, err
}

// oleMagic starts an old Excel workbook (.xls), or an encrypted .xlsx.
var oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")

// notText names what a file that is not text is, with the fix.
func notText(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "the file is a zip archive, such as an Excel workbook (.xlsx), not text: read it with --format xlsx, or save it from Excel as \"CSV UTF-8\""
	case bytes.HasPrefix(head, oleMagic):
		return "the file is an old Excel workbook (.xls) or a password-protected one: save it from Excel as .xlsx without a password, or as \"CSV UTF-8\""
	case bytes.HasPrefix(head, []byte("\x1F\x8B")):
		return "the file is compressed with gzip: decompress it first (gunzip)"
	}
	nul := bytes.IndexByte(head, 0)
	if n := bytes.Count(head, []byte{0}); n < 16 && n <= len(head)/10 {
		return "" // a stray NUL is a bad cell, reported on its row
	}
	var zeros [2]int // at even and odd offsets
	for i, c := range head {
		if c == 0 {
			zeros[i%2]++
		}
	}
	if zeros[1] > len(head)/4 && zeros[0] < len(head)/16 || zeros[0] > len(head)/4 && zeros[1] < len(head)/16 {
		return "the file looks like UTF-16 text without a byte order mark: try --encoding utf-16le (or utf-16be)"
	}
	return fmt.Sprintf("the file is binary (a NUL byte at offset %d), not CSV or JSON Lines text: export the data as CSV UTF-8", nul)
}

// notUTF8 refuses a head with invalid UTF-8 and no valid multi-byte character: a file in a
// legacy code page, not a UTF-8 file with a few broken cells (those rows are reported one by one).
func notUTF8(head []byte) string {
	if utf8.Valid(head) {
		return ""
	}
	bad := -1
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		switch {
		case size > 1:
			return ""
		case r == utf8.RuneError && bad < 0 && utf8.FullRune(head[i:]):
			bad = i
		}
		i += size
	}
	if bad < 0 {
		return ""
	}
	start, end := bytes.LastIndexAny(head[:bad], " ,;\t\n\"")+1, len(head)
	if n := bytes.IndexAny(head[bad+1:], " ,;\t\r\n\""); n >= 0 {
		end = bad + 1 + n
	}
	word := head[start:min(end, start+40)]
	as1252, _ := charmap.Windows1252.NewDecoder().Bytes(word)
	return fmt.Sprintf("the file is not UTF-8: line %d has the byte 0x%X in %s, which reads as %q in Windows-1252 (Excel's \"CSV\"): try --encoding windows-1252, or save the file as \"CSV UTF-8\"",
		bytes.Count(head[:bad], []byte("\n"))+1, head[bad], strconv.QuoteToASCII(string(word)), as1252)
}

// delimiter is the given one, or the one Excel's first line "sep=;" names (that line is
// skipped), or the one detected in the header; skipped is the number of lines skipped.
func delimiter(br *bufio.Reader, given rune) (delim rune, skipped int) {
	head, _ := br.Peek(sniffBytes)
	line, _, ok := bytes.Cut(head, []byte("\n"))
	if ok && bytes.HasPrefix(line, []byte("sep=")) && len(bytes.TrimSuffix(line, []byte("\r"))) == 5 && strings.IndexByte(",;\t|", line[4]) >= 0 {
		_, _ = br.Discard(len(line) + 1) // Peek holds the bytes: cannot fail
		return cmp.Or(given, rune(line[4])), 1
	}
	return cmp.Or(given, detectDelimiter(head)), 0
}

// detectDelimiter picks the most frequent of ',', ';' and tab in the header line (',' if none).
func detectDelimiter(head []byte) rune {
	var n [256]int
	quoted := false
	for _, c := range head {
		if c == '\n' && !quoted {
			break
		}
		if c == '"' {
			quoted = !quoted
		} else if !quoted {
			n[c]++
		}
	}
	switch {
	case n['\t'] > n[','] && n['\t'] > n[';']:
		return '\t'
	case n[';'] > n[',']:
		return ';'
	}
	return ','
}
