package api

import "bytes"

// With returns a copy of the request with one more top-level member, key: rawValue (a
// JSON value), parsed anew. The router uses it for what a variant implies and the client
// did not say (":thinking" turns reasoning on), on the rare requests that need it; the
// caller makes sure key is not already present.
func (c *Chat) With(key, rawValue string) *Chat {
	end := bytes.LastIndexByte(c.Body, '}')
	body := make([]byte, 0, len(c.Body)+len(key)+len(rawValue)+4)
	body = append(body, c.Body[:end]...)
	body = bytes.TrimRight(body, " \t\r\n")
	body = append(body, ',')
	body = AppendString(body, key)
	body = append(body, ':')
	body = append(body, rawValue...)
	body = append(body, c.Body[end:]...)
	out, err := ParseChat(body)
	if err != nil {
		return c // BUG: a member added to a valid object leaves it valid
	}
	return out
}
