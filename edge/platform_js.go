//go:build js && wasm

package main

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"unsafe"
)

// envCache remembers Worker vars and secrets ([vars], .dev.vars, `wrangler secret put`,
// `wrangler dev --var`) read through one env object. worker.mjs numbers each env object it
// sees (a WeakMap), and a request whose env has the number cached reads names from memory
// instead of crossing into JS three times per name: core reads a dozen names per chat
// request. A request with another env object starts the cache afresh, so a request never
// sees another env's values.
type envCache struct {
	mu   sync.Mutex
	id   int32
	vals map[string]string
}

// maxEnvNames bounds the cache; core reads a fixed set of names, a few per provider.
const maxEnvNames = 1024

// envView is one request's env: the number worker.mjs gave its object, and the port that
// reaches it when a name is not cached.
type envView struct {
	c    *envCache
	id   int32
	port int32
}

// get is core.Config.Env. It returns "" for a missing name: cloudflare.Getenv would return
// the string "<undefined>" (shared/spec/platforms.md §2.3). A var written as a TOML number
// or boolean reaches the Worker as a JS number or boolean, so worker.mjs formats those too
// (String(v)); bindings (KV, D1) read as "".
func (v *envView) get(name string) string {
	c := v.c
	c.mu.Lock()
	if c.id == v.id {
		if s, ok := c.vals[name]; ok {
			c.mu.Unlock()
			return s
		}
	}
	c.mu.Unlock()
	s := readEnv(v.port, name)
	c.mu.Lock()
	if c.id != v.id || c.vals == nil {
		c.id, c.vals = v.id, map[string]string{}
	}
	if len(c.vals) < maxEnvNames {
		c.vals[name] = s
	}
	c.mu.Unlock()
	return s
}

// readEnv reads one name from the port's env, into a small buffer first and again into
// one of the right size when the value is longer.
func readEnv(port int32, name string) string {
	buf := make([]byte, 128)
	for {
		n := jsEnv(port, name, unsafe.Pointer(&buf[0]), int32(len(buf)))
		if n < 0 {
			return "" // not set, or not a string, number or boolean
		}
		if int(n) <= len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, n)
	}
}

// lockedSource is a ChaCha8 source seeded once per isolate from crypto/rand
// (crypto.getRandomValues in workerd), safe for the isolate's concurrent requests.
type lockedSource struct {
	mu  sync.Mutex
	src *rand.ChaCha8
}

func newRand() *lockedSource {
	var seed [32]byte
	crand.Read(seed[:]) // never returns an error since Go 1.24; it crashes the program instead
	return &lockedSource{src: rand.NewChaCha8(seed)}
}

func (l *lockedSource) Uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.src.Uint64()
}

func newInstanceID() string {
	var b [6]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logf writes an operational message to the Worker's log (wrangler's terminal locally,
// `wrangler tail` or Workers Logs in production). Go's stderr goes to console.log.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "switchyard: "+format+"\n", args...)
}
