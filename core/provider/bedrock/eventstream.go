package bedrock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/switchyard-router/switchyard/core/provider"
)

// maxMessage bounds one event-stream message's payload (AWS allows 16 MB), and
// maxTotal the whole message with room for headers: a broken upstream must not grow
// memory without bound.
const (
	maxMessage = 16 << 20
	maxTotal   = maxMessage + 64<<10
)

// The wire layout (§5.4): total length u32, headers length u32, prelude CRC u32 (of the
// two lengths), headers, payload, message CRC u32 (of everything before it). CRCs are
// CRC-32/IEEE, integers big-endian.
const (
	preludeLen = 12
	minTotal   = preludeLen + 4
)

var (
	errMessageSize = errors.New("bedrock: event-stream message of impossible size")
	errHeadersLen  = errors.New("bedrock: event-stream headers longer than their message")
	errPreludeCRC  = errors.New("bedrock: event-stream prelude CRC mismatch")
	errMessageCRC  = errors.New("bedrock: event-stream message CRC mismatch")
	errHeaderName  = errors.New("bedrock: event-stream header name runs past the headers")
	errHeaderValue = errors.New("bedrock: event-stream header value runs past the headers")
)

// framer cuts ConverseStream's binary event stream into events as bytes arrive. It is
// written out here rather than taken from aws-sdk-go-v2's eventstream decoder, which
// brought smithy-go into the Worker's wasm; eventstream_test.go checks it against that
// decoder. A read that ends mid-message is fine: Next waits for the rest.
type framer struct {
	buf []byte
	pos int // start of the first message not yet returned
	err error
}

func newFramer() provider.Framer { return &framer{} }

// Feed implements provider.Framer. It drops the messages already returned first, so the
// buffer holds at most one message and a read.
func (f *framer) Feed(p []byte) error {
	if f.err != nil {
		return f.err
	}
	if f.pos > 0 {
		n := copy(f.buf, f.buf[f.pos:])
		f.buf, f.pos = f.buf[:n], 0
	}
	if len(f.buf)+len(p) > maxTotal {
		f.err = errMessageSize
		return f.err
	}
	f.buf = append(f.buf, p...)
	return nil
}

// Next implements provider.Framer: the event type as Name (":event-type", or
// "exception:" + ":exception-type"), the payload as Data, which aliases the buffer until
// the next Feed. A malformed message stops the framer; Feed then returns the error.
func (f *framer) Next() (provider.Event, bool) {
	if f.err != nil {
		return provider.Event{}, false
	}
	rest := f.buf[f.pos:]
	total, err := prelude(rest)
	if err != nil {
		f.err = err
		return provider.Event{}, false
	}
	if total == 0 || len(rest) < total {
		return provider.Event{}, false
	}
	f.pos += total
	ev, err := decodeMessage(rest[:total])
	if err != nil {
		f.err = err
		return provider.Event{}, false
	}
	return ev, true
}

// prelude returns the message's total length once its prelude is in, 0 before. The CRC is
// checked before waiting for the rest, so a garbage length fails at once instead of
// holding the stream open for up to maxTotal bytes.
func prelude(p []byte) (int, error) {
	if len(p) < preludeLen {
		return 0, nil
	}
	total, hlen := binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
	if crc32.ChecksumIEEE(p[:8]) != binary.BigEndian.Uint32(p[8:]) {
		return 0, errPreludeCRC
	}
	if total < minTotal || total > maxTotal {
		return 0, errMessageSize
	}
	if hlen > total-minTotal {
		return 0, errHeadersLen
	}
	return int(total), nil
}

// decodeMessage checks a whole message's CRC and reads its event out; the prelude has
// been checked.
func decodeMessage(m []byte) (provider.Event, error) {
	end := len(m) - 4
	if crc32.ChecksumIEEE(m[:end]) != binary.BigEndian.Uint32(m[end:]) {
		return provider.Event{}, errMessageCRC
	}
	hend := preludeLen + int(binary.BigEndian.Uint32(m[4:]))
	h, err := readHeaders(m[preludeLen:hend])
	if err != nil {
		return provider.Event{}, err
	}
	name := h.event
	if h.message == "exception" {
		name = "exception:" + h.exception
	}
	var data []byte
	if hend < end {
		data = m[hend:end]
	}
	return provider.Event{Name: name, Data: data}, nil
}

// eventHeaders are the headers the framer reads. A repeated header's last value wins, as
// in the SDK; a value of another type than string reads as "".
type eventHeaders struct{ event, message, exception string }

// readHeaders walks the headers section: name length u8, name, value type u8, value.
func readHeaders(p []byte) (eventHeaders, error) {
	var h eventHeaders
	for len(p) > 0 {
		n := int(p[0])
		if len(p) < 2+n {
			return h, errHeaderName
		}
		name, typ := p[1:1+n], p[1+n]
		p = p[2+n:]
		size, err := valueSize(typ, p)
		if err != nil {
			return h, fmt.Errorf("%w (header %q)", err, name)
		}
		h.set(name, typ, p[:size])
		p = p[size:]
	}
	return h, nil
}

// valueSize is the wire size of a header value of type typ at the start of p.
func valueSize(typ byte, p []byte) (int, error) {
	var size int
	switch typ {
	case 0, 1: // bool true, bool false: the type is the value
	case 2: // byte
		size = 1
	case 3: // int16
		size = 2
	case 4: // int32
		size = 4
	case 5, 8: // int64, timestamp (ms)
		size = 8
	case 9: // uuid
		size = 16
	case 6, 7: // bytes, string: u16 length, then the bytes
		if len(p) < 2 {
			return 0, errHeaderValue
		}
		size = 2 + int(binary.BigEndian.Uint16(p))
	default:
		return 0, fmt.Errorf("bedrock: event-stream header value of unknown type %d", typ)
	}
	if len(p) < size {
		return 0, errHeaderValue
	}
	return size, nil
}

const stringType = 7

func (h *eventHeaders) set(name []byte, typ byte, v []byte) {
	var dst *string
	switch string(name) { // no allocation
	case ":event-type":
		dst = &h.event
	case ":message-type":
		dst = &h.message
	case ":exception-type":
		dst = &h.exception
	default:
		return
	}
	*dst = ""
	if typ == stringType {
		*dst = string(v[2:])
	}
}
