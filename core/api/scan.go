package api

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Member is one top-level member of a JSON object, as spans of the scanned bytes.
type Member struct {
	Key        string // unescaped key; aliases the input when it has no escapes
	Start      int    // index of the key's opening quote
	ValueStart int    // index of the value's first byte
	End        int    // index just past the value
}

// maxDepth bounds nesting, so hostile input cannot run the scanner's recursion deep.
const maxDepth = 1000

// ScanObject validates b as a single JSON object (RFC 8259, with surrounding whitespace)
// and calls f for each top-level member, in one pass. It replaces gjson.Valid followed by
// ForEach: on the request path the body is the prompt, often tens of KB, and scanning it
// once, skipping string contents eight bytes at a time, is what keeps the router's cost per
// KB low. f may return false to stop early (ScanObject then reports false).
func ScanObject(b []byte, f func(m Member) bool) bool {
	s := scan{b: b}
	i := s.ws(0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i, ok := s.object(i, f)
	return ok && s.ws(i) == len(b)
}

type scan struct {
	b     []byte
	depth int
}

func (s *scan) ws(i int) int {
	for i < len(s.b) {
		switch s.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// object scans {...} starting at b[i] == '{'; top is non-nil only for the outermost one.
func (s *scan) object(i int, top func(Member) bool) (int, bool) {
	if s.depth++; s.depth > maxDepth {
		return i, false
	}
	defer func() { s.depth-- }()
	i = s.ws(i + 1)
	if i < len(s.b) && s.b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(s.b) || s.b[i] != '"' {
			return i, false
		}
		kStart := i
		j, esc, ok := s.str(i + 1)
		if !ok {
			return j, false
		}
		kEnd := j
		i = s.ws(j)
		if i >= len(s.b) || s.b[i] != ':' {
			return i, false
		}
		vStart := s.ws(i + 1)
		i, ok = s.value(vStart)
		if !ok {
			return i, false
		}
		if top != nil {
			m := Member{Start: kStart, ValueStart: vStart, End: i}
			if esc {
				m.Key = gjson.ParseBytes(s.b[kStart:kEnd]).Str
			} else {
				m.Key = unsafe.String(&s.b[kStart+1], kEnd-kStart-2)
			}
			if !top(m) {
				return i, false
			}
		}
		i = s.ws(i)
		if i >= len(s.b) {
			return i, false
		}
		switch s.b[i] {
		case ',':
			i = s.ws(i + 1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (s *scan) array(i int) (int, bool) {
	if s.depth++; s.depth > maxDepth {
		return i, false
	}
	defer func() { s.depth-- }()
	i = s.ws(i + 1)
	if i < len(s.b) && s.b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = s.value(i); !ok {
			return i, false
		}
		i = s.ws(i)
		if i >= len(s.b) {
			return i, false
		}
		switch s.b[i] {
		case ',':
			i = s.ws(i + 1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// value scans one value starting at b[i] (no leading whitespace).
func (s *scan) value(i int) (int, bool) {
	if i >= len(s.b) {
		return i, false
	}
	switch c := s.b[i]; {
	case c == '"':
		j, _, ok := s.str(i + 1)
		return j, ok
	case c == '{':
		return s.object(i, nil)
	case c == '[':
		return s.array(i)
	case c == 't':
		return s.lit(i, "true")
	case c == 'f':
		return s.lit(i, "false")
	case c == 'n':
		return s.lit(i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(i)
	}
	return i, false
}

func (s *scan) lit(i int, w string) (int, bool) {
	if len(s.b)-i >= len(w) && string(s.b[i:i+len(w)]) == w {
		return i + len(w), true
	}
	return i, false
}

func (s *scan) number(i int) (int, bool) {
	b := s.b
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// str scans a string body from just after its opening quote and returns the index past the
// closing quote and whether it held escapes. Runs of ordinary bytes are skipped eight at a
// time: a word needs attention only if some byte is '"', '\\' or a control character.
func (s *scan) str(i int) (int, bool, bool) {
	b := s.b
	esc := false
	for {
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ (lows * '"')
			bs := x ^ (lows * '\\')
			t := ((q - lows) &^ q) | ((bs - lows) &^ bs) | ((x - lows*0x20) &^ x)
			t &= highs
			if t != 0 {
				i += bits.TrailingZeros64(t) / 8
				break
			}
			i += 8
		}
		if i >= len(b) {
			return i, esc, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, esc, true
		case c == '\\':
			esc = true
			i++
			if i >= len(b) {
				return i, esc, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, esc, false
				}
				i += 5
			default:
				return i, esc, false
			}
		case c < 0x20:
			return i, esc, false
		default:
			i++
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
