package pretty

import (
	"unicode/utf16"
	"unicode/utf8"
)

// unquote decodes the JSON string literal s, quotes included, exactly as
// encoding/json.Unmarshal into a string does, and returns "" wherever Unmarshal would fail.
//
// It is the only change in this copy of github.com/tidwall/pretty v1.2.1 (see README.md):
// upstream calls json.Unmarshal here, which links encoding/json's reflection-based decoder
// into every program that imports gjson (whose @pretty modifier uses this package), 147 KB
// of Switchyard's gzipped Worker.
func unquote(s []byte) string {
	s = trimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return ""
	}
	s = s[1 : len(s)-1]
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			n, r, ok := escape(s[i:])
			if !ok {
				return ""
			}
			b = utf8.AppendRune(b, r)
			i += n
		case c == '"' || c < 0x20:
			return "" // an unescaped quote or control character: not one string literal
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, r) // invalid UTF-8 becomes U+FFFD, as in encoding/json
			i += size
		}
	}
	return string(b)
}

// escape decodes the escape sequence at the start of s, a surrogate pair as one rune
// (a lone surrogate is U+FFFD), and reports how many bytes it took.
func escape(s []byte) (n int, r rune, ok bool) {
	if len(s) < 2 {
		return 0, 0, false
	}
	switch s[1] {
	case '"', '\\', '/':
		return 2, rune(s[1]), true
	case 'b':
		return 2, '\b', true
	case 'f':
		return 2, '\f', true
	case 'n':
		return 2, '\n', true
	case 'r':
		return 2, '\r', true
	case 't':
		return 2, '\t', true
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			return 0, 0, false
		}
		if !utf16.IsSurrogate(r) {
			return 6, r, true
		}
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if r2, ok := hex4(s[8:]); ok {
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					return 12, d, true
				}
			}
		}
		return 6, utf8.RuneError, true
	}
	return 0, 0, false
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// trimSpace drops JSON's insignificant whitespace, which Unmarshal allows around a value.
func trimSpace(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
