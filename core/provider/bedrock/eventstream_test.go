package bedrock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// The SDK's encoder writes the test streams and its decoder is the oracle the framer's
// output is compared with; neither may be linked into the Worker.

type event struct {
	name string
	data string
}

func encode(t testing.TB, h eventstream.Headers, payload []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, eventstream.Message{Headers: h, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func eventMsg(t testing.TB, typ, payload string) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("event"))
	h.Set(":event-type", eventstream.StringValue(typ))
	h.Set(":content-type", eventstream.StringValue("application/json"))
	return encode(t, h, []byte(payload))
}

func exceptionMsg(t testing.TB, typ, payload string) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("exception"))
	if typ != "" {
		h.Set(":exception-type", eventstream.StringValue(typ))
	}
	return encode(t, h, []byte(payload))
}

// allTypes is one header of every value type around the event type.
func allTypes(t testing.TB, eventFirst bool) []byte {
	var h eventstream.Headers
	if eventFirst {
		h.Set(":event-type", eventstream.StringValue("contentBlockDelta"))
	}
	h.Set("t", eventstream.BoolValue(true))
	h.Set("f", eventstream.BoolValue(false))
	h.Set("byte", eventstream.Int8Value(-7))
	h.Set("short", eventstream.Int16Value(-300))
	h.Set("int", eventstream.Int32Value(1<<30))
	h.Set("long", eventstream.Int64Value(-1<<60))
	h.Set("bytes", eventstream.BytesValue([]byte{0, 1, 2, 0xff}))
	h.Set("empty-bytes", eventstream.BytesValue(nil))
	h.Set("string", eventstream.StringValue("v"))
	h.Set("ts", eventstream.TimestampValue(time.Date(2025, 10, 9, 12, 0, 0, 0, time.UTC)))
	h.Set("uuid", eventstream.UUIDValue{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	h.Set(":message-type", eventstream.StringValue("event"))
	if !eventFirst {
		h.Set(":event-type", eventstream.StringValue("contentBlockDelta"))
	}
	return encode(t, h, []byte(`{"contentBlockIndex":0,"delta":{"text":"hi"}}`))
}

// longest has a header with the longest name and string value the SDK encodes.
func longest(t testing.TB) []byte {
	var h eventstream.Headers
	h.Set(strings.Repeat("n", 255), eventstream.StringValue(strings.Repeat("v", 32767)))
	h.Set(":event-type", eventstream.StringValue("messageStart"))
	return encode(t, h, []byte(`{}`))
}

// rawHeader is one header on the wire, for headers the SDK's Headers type cannot hold
// (repeats) or will not encode (bad types, short values).
func rawHeader(name string, typ byte, value []byte) []byte {
	b := append([]byte{byte(len(name))}, name...)
	return append(append(b, typ), value...)
}

func strValue(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

// wrap frames a headers section and payload with correct lengths and CRCs, so tests reach
// what lies behind the CRC checks.
func wrap(headers, payload []byte) []byte {
	total := minTotal + len(headers) + len(payload)
	b := binary.BigEndian.AppendUint32(nil, uint32(total))
	b = binary.BigEndian.AppendUint32(b, uint32(len(headers)))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	b = append(append(b, headers...), payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// recrc fixes a message's CRCs after a test has edited its lengths or bytes.
func recrc(m []byte) []byte {
	m = bytes.Clone(m)
	binary.BigEndian.PutUint32(m[8:], crc32.ChecksumIEEE(m[:8]))
	binary.BigEndian.PutUint32(m[len(m)-4:], crc32.ChecksumIEEE(m[:len(m)-4]))
	return m
}

// sdkName is the old framer's naming, over the SDK's decoded headers; only string values
// count, as in the framer (Bedrock sends these three as strings).
func sdkName(h eventstream.Headers) string {
	str := func(name string) string {
		if v, ok := h.Get(name).(eventstream.StringValue); ok {
			return string(v)
		}
		return ""
	}
	if str(":message-type") == "exception" {
		return "exception:" + str(":exception-type")
	}
	return str(":event-type")
}

// oracle decodes a stream of whole messages with the SDK.
func oracle(in []byte) ([]event, error) {
	var out []event
	r := bytes.NewReader(in)
	dec := eventstream.NewDecoder()
	for r.Len() > 0 {
		m, err := dec.Decode(r, nil)
		if err != nil {
			return out, err
		}
		out = append(out, event{sdkName(m.Headers), string(m.Payload)})
	}
	return out, nil
}

// splits are the ways a stream arrives: whole, byte by byte, in odd sizes.
var splits = []struct {
	name string
	next func(i int) int
}{
	{"whole", func(int) int { return 1 << 30 }},
	{"bytewise", func(int) int { return 1 }},
	{"odd", func(i int) int { return []int{1, 2, 3, 5, 7, 11, 13, 4093}[i%8] }},
	{"4093", func(int) int { return 4093 }},
}

// frameAll feeds in as the split says and collects events until the end or an error.
func frameAll(in []byte, next func(int) int) ([]event, error) {
	f := newFramer()
	var out []event
	for i, off := 0, 0; off < len(in); i++ {
		n := min(next(i), len(in)-off)
		if err := f.Feed(in[off : off+n]); err != nil {
			return out, err
		}
		off += n
		for ev, ok := f.Next(); ok; ev, ok = f.Next() {
			out = append(out, event{ev.Name, string(ev.Data)})
		}
	}
	return out, f.Feed(nil)
}

func TestFramerMatchesSDK(t *testing.T) {
	big := bytes.Repeat([]byte(`{"x":"0123456789abcdef"}`), 1<<20/24)
	var several []byte
	for _, m := range [][]byte{
		eventMsg(t, "messageStart", `{"role":"assistant"}`),
		allTypes(t, false),
		eventMsg(t, "contentBlockStop", ``),
		encode(t, nil, []byte(`{}`)),
		eventMsg(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Chéck"}}`),
		exceptionMsg(t, "throttlingException", `{"message":"slow down"}`),
	} {
		several = append(several, m...)
	}
	repeated := wrap(append(append(
		rawHeader(":event-type", stringType, strValue("first")),
		rawHeader(":content-type", stringType, strValue("application/json"))...),
		rawHeader(":event-type", stringType, strValue("second"))...), []byte(`{}`))
	nonString := wrap(append(
		rawHeader(":event-type", stringType, strValue("messageStart")),
		rawHeader(":event-type", 4, []byte{0, 0, 0, 7})...), []byte(`{}`))
	for _, c := range []struct {
		name string
		in   []byte
		want []string // event names, to show the comparison is not vacuous
	}{
		{"all header types, event type last", allTypes(t, false), []string{"contentBlockDelta"}},
		{"all header types, event type first", allTypes(t, true), []string{"contentBlockDelta"}},
		{"longest name and value", longest(t), []string{"messageStart"}},
		{"empty payload", eventMsg(t, "contentBlockStop", ""), []string{"contentBlockStop"}},
		{"one-byte payload", eventMsg(t, "contentBlockStop", "x"), []string{"contentBlockStop"}},
		{"no headers", encode(t, nil, []byte(`{"a":1}`)), []string{""}},
		{"no headers, no payload", encode(t, nil, nil), []string{""}},
		{"exception", exceptionMsg(t, "throttlingException", `{"message":"Too many tokens"}`), []string{"exception:throttlingException"}},
		{"exception without a type", exceptionMsg(t, "", `{}`), []string{"exception:"}},
		{"repeated header, last wins", repeated, []string{"second"}},
		{"repeated header of another type", nonString, []string{""}},
		{"1 MiB payload", eventMsg(t, "contentBlockDelta", string(big)), []string{"contentBlockDelta"}},
		{"largest payload", encode(t, nil, make([]byte, maxMessage)), []string{""}},
		{"several messages", several, []string{"messageStart", "contentBlockDelta", "contentBlockStop", "", "contentBlockDelta", "exception:throttlingException"}},
	} {
		want, err := oracle(c.in)
		if err != nil {
			t.Fatalf("%s: the SDK cannot decode the test stream: %v", c.name, err)
		}
		var names []string
		for _, e := range want {
			names = append(names, e.name)
		}
		if strings.Join(names, ",") != strings.Join(c.want, ",") {
			t.Fatalf("%s: the SDK reads %q, the test wants %q", c.name, names, c.want)
		}
		for _, s := range splits {
			if s.name == "bytewise" && len(c.in) > 64<<10 {
				continue
			}
			got, err := frameAll(c.in, s.next)
			if err != nil {
				t.Errorf("%s, %s: %v", c.name, s.name, err)
				continue
			}
			if !equalEvents(got, want) {
				t.Errorf("%s, %s: framer %s\nSDK %s", c.name, s.name, short(got), short(want))
			}
		}
	}
}

func equalEvents(a, b []event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func short(es []event) string {
	var b strings.Builder
	for _, e := range es {
		d := e.data
		if len(d) > 40 {
			d = d[:40] + "..."
		}
		b.WriteString("[" + e.name + " " + d + "]")
	}
	return b.String()
}

func TestFramerRejects(t *testing.T) {
	good := eventMsg(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"x"}}`)
	edit := func(f func(m []byte)) []byte {
		m := bytes.Clone(good)
		f(m)
		return m
	}
	setTotal := func(n uint32) []byte {
		return recrc(edit(func(m []byte) { binary.BigEndian.PutUint32(m, n) }))
	}
	hugePrelude := binary.BigEndian.AppendUint32(nil, maxTotal+1)
	hugePrelude = binary.BigEndian.AppendUint32(hugePrelude, 0)
	hugePrelude = binary.BigEndian.AppendUint32(hugePrelude, crc32.ChecksumIEEE(hugePrelude))
	for _, c := range []struct {
		name string
		in   []byte
		want error // nil: any error
		sdk  bool  // the SDK rejects it too (whole messages the SDK can read to the end)
	}{
		{"prelude CRC", edit(func(m []byte) { m[8] ^= 1 }), errPreludeCRC, true},
		{"total length without its CRC", edit(func(m []byte) { m[3]-- }), errPreludeCRC, true},
		{"message CRC", edit(func(m []byte) { m[len(m)-1] ^= 0x80 }), errMessageCRC, true},
		{"payload byte", edit(func(m []byte) { m[len(m)-6] ^= 0x20 }), errMessageCRC, true},
		{"header byte", edit(func(m []byte) { m[preludeLen+3] ^= 0x20 }), errMessageCRC, true},
		{"total below the minimum", setTotal(15), errMessageSize, false},
		{"total zero", setTotal(0), errMessageSize, true},
		{"total above the bound", hugePrelude, errMessageSize, false},
		{"headers longer than the message", recrc(edit(func(m []byte) { binary.BigEndian.PutUint32(m[4:], uint32(len(m))) })), errHeadersLen, true},
		{"unknown value type", wrap(rawHeader(":event-type", 10, strValue("x")), nil), nil, true},
		{"name past the headers", wrap([]byte{9, ':', 'e'}, []byte(`{}`)), errHeaderName, true},
		{"name without a type", wrap([]byte{2, ':', 'e'}, []byte(`{}`)), errHeaderName, true},
		{"string past the headers", wrap(rawHeader(":event-type", stringType, []byte{0, 9, 'a'}), nil), errHeaderValue, true},
		{"string length cut", wrap(rawHeader(":event-type", stringType, []byte{0}), nil), errHeaderValue, true},
		{"uuid cut", wrap(rawHeader("id", 9, make([]byte, 15)), nil), errHeaderValue, true},
		{"int64 cut", wrap(rawHeader("n", 5, make([]byte, 7)), nil), errHeaderValue, true},
		// The SDK takes a name length that ends the headers for their end; it is malformed.
		{"lone name length", wrap(append(rawHeader(":event-type", stringType, strValue("x")), 5), nil), errHeaderName, false},
	} {
		if c.sdk {
			if _, err := oracle(c.in); err == nil {
				t.Errorf("%s: the SDK accepts the test message", c.name)
			}
		}
		for _, s := range splits {
			// A good message before the bad one comes out; one after it does not.
			in := append(append(bytes.Clone(good), c.in...), good...)
			got, err := frameAll(in, s.next)
			if err == nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("%s, %s: error %v, want %v", c.name, s.name, err, c.want)
			}
			if len(got) != 1 || got[0].name != "contentBlockDelta" {
				t.Errorf("%s, %s: events %s, want the first message only", c.name, s.name, short(got))
			}
		}
	}
}

// TestFramerBounds: a length past the bound fails as soon as the prelude is in, not after
// 16 MiB, and Feed refuses to buffer more than a message.
func TestFramerBounds(t *testing.T) {
	f := newFramer()
	p := binary.BigEndian.AppendUint32(nil, maxTotal+1)
	p = binary.BigEndian.AppendUint32(p, 0)
	p = binary.BigEndian.AppendUint32(p, crc32.ChecksumIEEE(p))
	if err := f.Feed(p); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Next(); ok {
		t.Fatal("an oversized message was returned")
	}
	if err := f.Feed([]byte{0}); !errors.Is(err, errMessageSize) {
		t.Fatalf("Feed after an oversized prelude: %v", err)
	}

	f = newFramer()
	if err := f.Feed(make([]byte, 11)); err != nil {
		t.Fatal(err)
	}
	if err := f.Feed(make([]byte, maxTotal)); !errors.Is(err, errMessageSize) {
		t.Fatalf("Feed past the bound: %v", err)
	}
}

// repairCRCs makes most of a fuzzed stream's messages pass the CRC checks, so the fuzzer
// spends its time in the headers rather than on the checksums: each message's total is cut
// to what is left when it overruns, and both CRCs are recomputed.
func repairCRCs(in []byte) []byte {
	b := bytes.Clone(in)
	for off := 0; len(b)-off >= minTotal; {
		m := b[off:]
		if total := binary.BigEndian.Uint32(m); total < minTotal || int64(total) > int64(len(m)) {
			binary.BigEndian.PutUint32(m, uint32(len(m)))
		}
		m = m[:binary.BigEndian.Uint32(m)]
		copy(m, recrc(m))
		off += len(m)
	}
	return b
}

func FuzzFramer(f *testing.F) {
	var stream []byte
	for _, m := range [][]byte{
		eventMsg(f, "messageStart", `{"role":"assistant"}`),
		allTypes(f, true),
		encode(f, nil, nil),
		exceptionMsg(f, "throttlingException", `{"message":"x"}`),
	} {
		stream = append(stream, m...)
	}
	f.Add(stream, []byte{0}, false)
	f.Add(stream, []byte{6, 12, 200}, true)
	f.Add(stream[:len(stream)-3], []byte{}, false)
	f.Add(wrap(rawHeader(":event-type", stringType, strValue("x")), []byte("{}")), []byte{1, 2}, true)
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0, 5, 0x9a, 0xa3, 0xa5, 0, 0, 0, 0}, []byte{3}, false)
	f.Fuzz(func(t *testing.T, in, cuts []byte, repair bool) {
		if repair {
			in = repairCRCs(in)
		}
		fr := newFramer().(*framer)
		most := 0
		for i, off := 0, 0; off < len(in); i++ {
			n := len(in) - off
			if len(cuts) > 0 {
				n = min(n, int(cuts[i%len(cuts)])+1)
			}
			pending := len(fr.buf) - fr.pos
			if err := fr.Feed(in[off : off+n]); err != nil {
				if err != fr.err || err != fr.Feed(nil) {
					t.Fatalf("Feed error %v, framer error %v", err, fr.err)
				}
				return
			}
			off += n
			// Bounded memory: returned messages are dropped, so the buffer holds what is
			// pending and the read, never the stream.
			if len(fr.buf) != pending+n || len(fr.buf) > maxTotal {
				t.Fatalf("buffer %d bytes after %d pending and %d fed", len(fr.buf), pending, n)
			}
			most = max(most, len(fr.buf))
			if cap(fr.buf) > 3*most+64 {
				t.Fatalf("buffer capacity %d for at most %d bytes", cap(fr.buf), most)
			}
			drain(t, fr)
		}
	})
}

// drain takes every whole message out and holds each to the SDK's decoder: what the
// framer returns the SDK must read the same, and what the framer rejects as a whole
// message the SDK must reject too, but for the lone name length it reads as an end.
func drain(t *testing.T, fr *framer) {
	for {
		start := fr.pos
		ev, ok := fr.Next()
		msg := fr.buf[start:fr.pos]
		if !ok {
			if fr.err != nil && len(msg) > 0 {
				checkRejected(t, fr.err, msg)
			}
			if fr.err != nil && fr.Feed(nil) != fr.err {
				t.Fatal("Feed forgot the error")
			}
			return
		}
		m, err := eventstream.NewDecoder().Decode(bytes.NewReader(msg), nil)
		if err != nil {
			t.Fatalf("framer returned %q, the SDK says %v", ev.Name, err)
		}
		if ev.Name != sdkName(m.Headers) || !bytes.Equal(ev.Data, m.Payload) {
			t.Fatalf("framer %q %q, SDK %q %q", ev.Name, ev.Data, sdkName(m.Headers), m.Payload)
		}
	}
}

func checkRejected(t *testing.T, ferr error, msg []byte) {
	if _, err := eventstream.NewDecoder().Decode(bytes.NewReader(msg), nil); err != nil {
		return
	}
	hend := preludeLen + int(binary.BigEndian.Uint32(msg[4:]))
	if hend > preludeLen && errors.Is(ferr, errHeaderName) {
		trimmed := wrap(msg[preludeLen:hend-1], msg[hend:len(msg)-4])
		if _, err := decodeMessage(trimmed); err == nil {
			return
		}
	}
	t.Fatalf("framer rejects with %v a message the SDK reads", ferr)
}
