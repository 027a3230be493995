// Package provider holds what every upstream adapter shares: the SSE reader and the byte-level
// edits the router makes to upstream JSON (its own id, model and provider over the
// upstream's), without decoding messages or chunks into structs.
package provider

import (
	"bytes"
	"errors"
)

// ErrEventTooLarge is returned when one SSE event outgrows the scanner's limit: a broken or
// hostile upstream must not grow memory without bound.
var ErrEventTooLarge = errors.New("sse: event too large")

// MaxEvent bounds one SSE event. Real chunks are well under 1 MB.
const MaxEvent = 8 << 20

// Event is one server-sent event. Data is valid until the next call to Next.
type Event struct {
	Name string // the "event:" field, "" for OpenAI-style streams
	Data []byte // the "data:" lines joined with "\n"
}

// Scanner splits an SSE byte stream into events as bytes arrive, per the WHATWG event-stream
// rules: lines end in LF, CRLF or CR; a blank line ends an event; lines starting with ':' are
// comments (keep-alives); events without data are skipped. Feed it whatever each network read
// returned and drain Next until it reports false, so events cross to the client once per read.
type Scanner struct {
	buf   []byte
	pos   int    // start of the unparsed rest
	name  string // event name of the event in progress
	last  string // the last event name seen, reused while names repeat
	data  []byte // data of the event in progress, lines joined with "\n"
	lines int    // data lines seen in the event in progress
	max   int    // MaxEvent when 0
}

// Feed adds bytes read from the network.
func (s *Scanner) Feed(p []byte) error {
	if s.pos > 0 && s.pos == len(s.buf) {
		s.buf, s.pos = s.buf[:0], 0
	} else if s.pos > 0 && len(s.buf)+len(p) > cap(s.buf) {
		// Compact before growing; parsed lines already live in s.data.
		n := copy(s.buf, s.buf[s.pos:])
		s.buf, s.pos = s.buf[:n], 0
	}
	limit := s.max
	if limit == 0 {
		limit = MaxEvent
	}
	if len(s.buf)-s.pos+len(p) > limit {
		return ErrEventTooLarge
	}
	s.buf = append(s.buf, p...)
	return nil
}

// Next returns the next complete event, or false when more bytes are needed.
func (s *Scanner) Next() (Event, bool) {
	for {
		rest := s.buf[s.pos:]
		i := bytes.IndexAny(rest, "\r\n")
		if i < 0 {
			return Event{}, false
		}
		line := rest[:i]
		adv := i + 1
		if rest[i] == '\r' {
			if i+1 == len(rest) {
				return Event{}, false // a LF may still follow
			}
			if rest[i+1] == '\n' {
				adv++
			}
		}
		s.pos += adv
		if len(line) == 0 {
			if ev, ok := s.dispatch(); ok {
				return ev, true
			}
			continue
		}
		s.field(line)
	}
}

func (s *Scanner) field(line []byte) {
	if line[0] == ':' {
		return
	}
	name, value := line, []byte(nil)
	if c := bytes.IndexByte(line, ':'); c >= 0 {
		name, value = line[:c], line[c+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		// Copied out so that compaction of buf cannot move it; s.data is reused, so the
		// steady state allocates nothing.
		if s.lines > 0 {
			s.data = append(s.data, '\n')
		} else {
			s.data = s.data[:0]
		}
		s.data = append(s.data, value...)
		s.lines++
	case "event":
		// Anthropic names every event; the same few names repeat, so the last one is
		// reused rather than allocated again for each event.
		if string(value) != s.last {
			s.last = string(value)
		}
		s.name = s.last
	}
}

func (s *Scanner) dispatch() (Event, bool) {
	defer func() { s.name, s.lines = "", 0 }()
	if s.lines == 0 {
		return Event{}, false
	}
	return Event{Name: s.name, Data: s.data}, true
}
