package provider

// Framer cuts an upstream byte stream into events as bytes arrive: Scanner for SSE, the
// AWS event-stream decoder for Bedrock.
type Framer interface {
	// Feed adds bytes read from the network.
	Feed(p []byte) error
	// Next returns the next complete event, or false when more bytes are needed. The
	// event is valid until the next call.
	Next() (Event, bool)
}

// NewFramer returns a fresh Framer for a Spec's stream: its own (NewFramer), or SSE.
func (s *Spec) Framer() Framer {
	if s.NewFramer != nil {
		return s.NewFramer()
	}
	return &Scanner{}
}
