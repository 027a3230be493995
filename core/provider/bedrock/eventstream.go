package bedrock

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/switchyard-router/switchyard/core/provider"
)

// maxMessage bounds one event-stream message, as the decoder's own limit does (16 MB of
// payload): a broken upstream must not grow memory without bound.
const maxMessage = 16 << 20

var errMessageSize = errors.New("bedrock: event-stream message of impossible size")

// framer cuts ConverseStream's binary event stream (§5.4: total length, headers length,
// prelude CRC, headers, payload, message CRC) into events as bytes arrive. The decoding
// and CRC checks are aws-sdk-go-v2's; this type only waits until a whole message is
// buffered, so a read that ends mid-message is fine.
type framer struct {
	buf     []byte
	pos     int
	dec     *eventstream.Decoder
	payload []byte
	err     error
}

func newFramer() provider.Framer { return &framer{dec: eventstream.NewDecoder()} }

// Feed implements provider.Framer.
func (f *framer) Feed(p []byte) error {
	if f.err != nil {
		return f.err
	}
	if f.pos > 0 {
		n := copy(f.buf, f.buf[f.pos:])
		f.buf, f.pos = f.buf[:n], 0
	}
	if len(f.buf)+len(p) > maxMessage+64<<10 {
		f.err = errMessageSize
		return f.err
	}
	f.buf = append(f.buf, p...)
	return nil
}

// Next implements provider.Framer: the event type as Name (":event-type", or
// "exception:" + ":exception-type"), the JSON payload as Data.
func (f *framer) Next() (provider.Event, bool) {
	rest := f.buf[f.pos:]
	if f.err != nil || len(rest) < 16 {
		return provider.Event{}, false
	}
	total := int(binary.BigEndian.Uint32(rest))
	if total < 16 || total > maxMessage+64<<10 {
		f.err = errMessageSize
		return provider.Event{}, false
	}
	if len(rest) < total {
		return provider.Event{}, false
	}
	m, err := f.dec.Decode(bytes.NewReader(rest[:total]), f.payload[:0])
	f.pos += total
	if err != nil {
		f.err = err
		return provider.Event{}, false
	}
	f.payload = m.Payload
	name := headerString(m.Headers, ":event-type")
	if headerString(m.Headers, ":message-type") == "exception" {
		name = "exception:" + headerString(m.Headers, ":exception-type")
	}
	return provider.Event{Name: name, Data: m.Payload}, true
}

func headerString(h eventstream.Headers, name string) string {
	if v := h.Get(name); v != nil {
		return v.String()
	}
	return ""
}
