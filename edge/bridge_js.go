//go:build js && wasm

package main

import (
	"errors"
	"sync"
	"syscall/js"
)

// bridge is the Go side of edge/worker.mjs: the JS functions Go calls (ops), and the table
// of ops waiting for their outcome. There is one bridge per Go instance, that is per
// isolate; everything about one request travels with that request (its port, see
// exchange), never in a package variable.
//
// An op is asynchronous JS work done for one request in that request's workerd context
// (fetch, a stream read, a KV get). Go starts it with an id and a callback; worker.mjs calls
// complete(id, err, results...) when it settles, or with "request ended" if the request
// ends first, so a waiting goroutine always hears back.
type bridge struct {
	fetch, abort, read, cancel, kvGet, kvPut js.Value
	respond, enqueue, close, finish, stats   js.Value
	uint8Array                               js.Value // the Uint8Array constructor

	mu   sync.Mutex
	seq  uint32
	wait map[uint32]func(err string, res []js.Value)
}

// errEnded is the error of ops on a request that worker.mjs has already retired.
var errEnded = errors.New("edge: the request has ended")

// newBridge reads the bridge object worker.mjs hands to main (globalThis.switchyardBridge,
// set only while main runs) and registers serve and complete on it.
func newBridge(serve func(args []js.Value)) *bridge {
	obj := js.Global().Get("switchyardBridge")
	if obj.Type() != js.TypeObject {
		panic("BUG: globalThis.switchyardBridge is not set; start the Worker through edge/worker.mjs")
	}
	b := &bridge{wait: map[uint32]func(string, []js.Value){}, uint8Array: js.Global().Get("Uint8Array")}
	for name, f := range map[string]*js.Value{
		"fetch": &b.fetch, "abort": &b.abort, "read": &b.read, "cancel": &b.cancel,
		"kvGet": &b.kvGet, "kvPut": &b.kvPut, "respond": &b.respond, "enqueue": &b.enqueue,
		"close": &b.close, "finish": &b.finish, "stats": &b.stats,
	} {
		*f = obj.Get(name)
		if f.Type() != js.TypeFunction {
			panic("BUG: worker.mjs's bridge has no function " + name)
		}
	}
	api := obj.Get("api")
	// Both run on the goroutine that handles JS events, so neither may block: serve starts
	// a goroutine, and completion callbacks only copy bytes and send on buffered channels.
	api.Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		serve(args)
		return nil
	}))
	api.Set("complete", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b.complete(args)
		return nil
	}))
	return b
}

// start registers done as the outcome callback of a new op and returns the op's id.
func (b *bridge) start(done func(err string, res []js.Value)) uint32 {
	b.mu.Lock()
	b.seq++
	if b.seq == 0 { // wrapped around: 0 is never an op id
		b.seq++
	}
	id := b.seq
	b.wait[id] = done
	b.mu.Unlock()
	return id
}

// waiting reports how many ops are waiting for their outcome.
func (b *bridge) waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.wait)
}

// forget drops an op that worker.mjs refused (its request had ended).
func (b *bridge) forget(id uint32) {
	b.mu.Lock()
	delete(b.wait, id)
	b.mu.Unlock()
}

// complete is worker.mjs's complete(id, err, a, b, c, d): err is null or a message.
func (b *bridge) complete(args []js.Value) {
	if len(args) < 2 {
		return
	}
	id := uint32(args[0].Int())
	b.mu.Lock()
	done := b.wait[id]
	delete(b.wait, id)
	b.mu.Unlock()
	if done == nil {
		return
	}
	var err string
	if args[1].Type() == js.TypeString {
		err = args[1].String()
	}
	done(err, args[2:])
}

// arg returns res[i], or undefined when worker.mjs passed fewer results.
func arg(res []js.Value, i int) js.Value {
	if i < len(res) {
		return res[i]
	}
	return js.Undefined()
}

// bytesToJS copies p into a new Uint8Array.
func (b *bridge) bytesToJS(p []byte) js.Value {
	u := b.uint8Array.New(len(p))
	js.CopyBytesToJS(u, p)
	return u
}

// bytesFromJS copies a Uint8Array into a new slice.
func bytesFromJS(u js.Value) []byte {
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return b
}
