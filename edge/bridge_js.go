//go:build js && wasm

package main

import (
	"errors"
	"sync"
	_ "syscall/js" // holds the runtime's event handler, which every resume from JS runs
	"unsafe"
)

// The bridge is the Go side of edge/worker.mjs, as plain WebAssembly imports and exports:
// numbers, and bytes in linear memory. Not syscall/js: every js.Value that is an object or
// a string costs a crossing to create, a finalizer, and a crossing to release, and an
// event through js.FuncOf materialises three more; a routed request made ~40 such
// crossings and they were a third of the Go Worker's CPU (bench-edge -profile).
//
// Go → JS: the imports below (importObject.switchyard), named by port, the number
// worker.mjs gave the request. Strings and bytes cross as pointer and length; JS copies
// what it keeps before returning.
//
// JS → Go: the exports serve and complete. They run on whatever goroutine Go paused on
// and must not block, allocate (an allocation can start a GC, which can park) or start
// goroutines; each only hands numbers to a waiting goroutine over a buffered channel, and
// worker.mjs then resumes Go so that goroutine runs. Data for it (a request, an op's
// answer) waits in JS as a *parcel* under the port and a key, and the goroutine copies it
// into Go memory itself (takeParcel), one crossing for the sizes and one for the bytes.

//go:wasmimport switchyard ready
func jsReady()

//go:wasmimport switchyard parcel
func jsParcel(port int32, key uint32, lens unsafe.Pointer, n int32) int32

//go:wasmimport switchyard take
func jsTake(port int32, key uint32, dst unsafe.Pointer)

//go:wasmimport switchyard fetch
func jsFetch(port int32, id uint32, request string, body unsafe.Pointer, n int32) bool

//go:wasmimport switchyard abort
func jsAbort(port int32, id uint32)

//go:wasmimport switchyard read
func jsRead(port int32, id uint32, slot int32) bool

//go:wasmimport switchyard cancel
func jsCancel(port int32, slot int32)

//go:wasmimport switchyard kvGet
func jsKVGet(port int32, id uint32, binding, key string) bool

//go:wasmimport switchyard kvPut
func jsKVPut(port int32, id uint32, binding, key, val string, ttl int32) bool

//go:wasmimport switchyard respond
func jsRespond(port int32, status int32, head string, body unsafe.Pointer, n int32, stream bool, cancel uint32) bool

//go:wasmimport switchyard enqueue
func jsEnqueue(port int32, chunk unsafe.Pointer, n int32) bool

//go:wasmimport switchyard close
func jsClose(port int32)

//go:wasmimport switchyard finish
func jsFinish(port int32)

//go:wasmimport switchyard env
func jsEnv(port int32, name string, dst unsafe.Pointer, n int32) int32

//go:wasmimport switchyard stats
func jsStats(dst unsafe.Pointer, n int32) int32

// arrival is a request worker.mjs has handed over: its port, the number of its env object
// (see envCache), and the reader slot of a body too large to come whole (-1 if none).
type arrival struct{ port, env, slot int32 }

// inbox carries arrivals from the serve export to main's loop. Its size bounds requests
// arriving between two runs of Go; worker.mjs resumes Go after every one, so it holds one.
var inbox = make(chan arrival, 1024)

//go:wasmexport serve
func exportServe(port, env, slot int32) bool {
	select {
	case inbox <- arrival{port, env, slot}:
		return true
	default:
		return false // worker.mjs answers 503
	}
}

//go:wasmexport complete
func exportComplete(id uint32, status, slot int32) bool {
	return theOps.complete(id, status, slot)
}

// outcome is how an op ended. status is the op's own (an HTTP status for fetch, 1 for a
// finished stream or a KV value found, else 0) or one of the two below; slot is a stream
// reader's slot. The op's bytes, if any, wait in its parcel.
type outcome struct{ status, slot int32 }

const (
	opFailed = -1 // the parcel holds the error message
	opEnded  = -2 // the request ended before the op did
)

// ops is the table of ops waiting for their outcome: one per Go instance (package state,
// but not per request: every op carries its own port).
type ops struct {
	mu   sync.Mutex
	seq  uint32
	wait map[uint32]chan outcome
}

var theOps = ops{wait: map[uint32]chan outcome{}}

// errEnded is the error of ops on a request that worker.mjs has already retired.
var errEnded = errors.New("edge: the request has ended")

// start registers a new op and returns its id and the channel its outcome arrives on.
func (o *ops) start() (uint32, chan outcome) {
	ch := make(chan outcome, 1)
	o.mu.Lock()
	// Ids stay in [1, 2³¹): 0 keys the request's parcel, and JS sees an i32 as signed.
	if o.seq++; o.seq >= 1<<31 {
		o.seq = 1
	}
	id := o.seq
	o.wait[id] = ch
	o.mu.Unlock()
	return id, ch
}

// complete hands an outcome to the op's goroutine. It runs inside the complete export:
// no allocation (a map delete and a send on a buffered channel), no blocking.
func (o *ops) complete(id uint32, status, slot int32) bool {
	o.mu.Lock()
	ch, ok := o.wait[id]
	delete(o.wait, id)
	o.mu.Unlock()
	if ok {
		ch <- outcome{status, slot} // capacity 1, and an id completes once
	}
	return ok
}

// forget drops an op that worker.mjs refused (its request had ended).
func (o *ops) forget(id uint32) {
	o.mu.Lock()
	delete(o.wait, id)
	o.mu.Unlock()
}

// waiting reports how many ops are waiting for their outcome.
func (o *ops) waiting() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.wait)
}

// takeParcel copies the parcel under port and key into Go memory and returns its parts
// (nil for a part JS gave as null); ok is false when there is none (the request ended).
// The bytes land in into when they fit, else in one new allocation shared by the parts.
func takeParcel(port int32, key uint32, into []byte, parts [][]byte) (ok bool) {
	var lens [4]int32
	if len(parts) > len(lens) {
		panic("BUG: a parcel has at most 4 parts")
	}
	total := jsParcel(port, key, unsafe.Pointer(&lens), int32(len(parts)))
	if total < 0 {
		return false
	}
	buf := into
	if int(total) > cap(into) || into == nil {
		buf = make([]byte, total)
	}
	buf = buf[:total]
	jsTake(port, key, unsafe.Pointer(unsafe.SliceData(buf)))
	at := int32(0)
	for i := range parts {
		if lens[i] < 0 {
			parts[i] = nil
			continue
		}
		parts[i] = buf[at : at+lens[i] : at+lens[i]]
		at += lens[i]
	}
	return true
}

// failure is the error an op ended with, from its outcome and parcel.
func failure(port int32, id uint32, o outcome, what string) error {
	if o.status == opEnded {
		return errEnded
	}
	var msg [1][]byte
	if !takeParcel(port, id, nil, msg[:]) {
		return errEnded
	}
	return errors.New(what + ": " + string(msg[0]))
}

// ptr is the address of p's bytes for an import (nil for an empty p).
func ptr(p []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(p)) }
