// Switchyard's Worker entry: one Go instance per isolate, shared by every request the
// isolate serves, concurrently. Why, and the rules below, are in edge/README.md.
//
// The Go program (app.wasm, edge/*_js.go) starts lazily on the first request (the Go
// runtime asks for random bytes at start-up, which workerd refuses in global scope), hands
// us `serve` and `complete`, and stays alive. A request is a *port*: its env, its ctx, its
// response promise. Go never touches workerd I/O itself. It asks for I/O through the ops
// below, and each op runs in the workerd request context (IoContext) of the port it is for,
// because workerd ties I/O to the request that started it: a fetch started while another
// request's callback is running belongs to that other request, fails with "Cannot perform
// I/O on behalf of a different request" when used, and dies when that request ends. In one
// shared Go instance, code for request B runs whenever Go is resumed, often from request
// A's callback (timers, goroutine hand-offs), so every op checks whose context is running.
//
// Also per isolate: workerd cancels a request with no pending I/O as "hung" even if Go is
// about to answer it, so a live port with no I/O of its own in flight keeps a heartbeat
// timer; and a timer armed in a finished request's context never fires, so Go's runtime
// timer is re-armed in a live one.
import "./wasm_exec.js"; // Go's glue from $(go env GOROOT)/lib/wasm, copied by scripts/build-edge
import wasm from "./app.wasm";

const WHOLE = 1 << 20; // bodies up to this many bytes cross to Go in one piece
const HEARTBEAT_MS = 10_000;
const CRASHED = '{"error":{"code":500,"message":"Internal error"}}';

let inst = null; // the live Go instance: { go, api, ports, deadline, alarmed, dead }
let current = null; // the port whose event is running Go right now (see enter)
let started = 0; // instances started in this isolate, for logs
const envIds = new WeakMap(); // env object → small integer, so Go can cache env reads per env
let envSeq = 0;

export default {
  async fetch(request, env, ctx) {
    // Small request bodies cross in one piece; larger or unsized ones are read by Go.
    let body = null;
    if (request.body !== null && Number(request.headers.get("content-length") ?? NaN) <= WHOLE) {
      body = new Uint8Array(await request.arrayBuffer());
    }
    return new Promise((resolve) => {
      const port = open(env, ctx, resolve);
      const reader = request.body !== null && body === null ? handle(port, request.body.getReader()) : -1;
      let id = envIds.get(env);
      if (id === undefined) envIds.set(env, (id = ++envSeq));
      enter(port, () => port.inst.api.serve(port, request.method, request.url, flat(request.headers), body, reader, id));
    });
  },
};

// open makes the port for one request, on the current instance (started if needed).
function open(env, ctx, resolve) {
  const port = {
    env, resolve, inst: null, responded: false, ended: false,
    ctl: null, // the response body's stream controller, once streaming
    queue: [], kick: null, // ops waiting to run in this port's context (see post)
    pending: new Map(), // op id → fail(), for ops Go still waits on
    io: 0, // how many of those are workerd I/O (fetch, read, KV) in this port's context
    handles: [], // stream readers Go refers to by index
    aborts: new Map(), // fetch op id → its AbortController
    alarm: null, beat: 0, done: null, finish: null,
  };
  port.done = new Promise((r) => (port.finish = r));
  ctx.waitUntil(port.done); // Go says when the request, deferred work included, is over
  listen(port);
  if (inst === null || inst.dead) start(port);
  port.inst = inst;
  if (inst === null) { // the new instance failed at once; crashed() has logged why
    port.ended = port.responded = true;
    resolve(crashResponse());
    port.finish();
    return port;
  }
  inst.ports.add(port);
  alarm(inst, port); // Go may be waiting for a deadline no live request holds
  return port;
}

// start instantiates the Go program. Its main registers serve and complete on the bridge
// object and then blocks, which returns control here.
function start(port) {
  const go = new Go();
  const me = { go, api: { id: ++started }, ports: new Set(), deadline: null, timerSeq: 0, alarmed: new Set(), dead: false };
  go.importObject.gojs["runtime.scheduleTimeoutEvent"] = (sp) => scheduleTimer(me, sp >>> 0);
  go.importObject.gojs["runtime.clearTimeoutEvent"] = (sp) => clearTimer(me, sp >>> 0);
  inst = me;
  port.inst = me;
  globalThis.switchyardBridge = bridge(me); // read once by main; not used per request
  enter(port, () => {
    go.run(new WebAssembly.Instance(wasm, go.importObject)).then(
      () => crashed(me, "Go program exited"),
      (e) => crashed(me, e),
    );
  });
  delete globalThis.switchyardBridge;
  if (typeof me.api.serve !== "function") crashed(me, "Go program did not register serve");
}

// enter runs fn (a call into Go) on behalf of port; see post. A throw out of Go, or an exit,
// means the instance is gone: its requests fail and the next request starts a new one.
function enter(port, fn) {
  const me = port.inst;
  if (me === null || me.dead) return;
  const prev = current;
  current = port;
  try {
    fn();
  } catch (e) {
    crashed(me, e);
  } finally {
    current = prev;
  }
  if (me.go.exited) crashed(me, "Go program exited");
  else idle(port); // every caller runs in port's own context
}

// post runs fn in port's context: at once if that is the context running now, else later,
// from the port's own promise (a promise created by request B and resolved from request A
// runs its continuation in B's context). Ops of one port always run in the order posted
// (a queued respond must not be overtaken by an enqueue). It returns false when the port
// has ended.
function post(port, fn) {
  if (port.ended) return false;
  if (current === port) {
    drain(port);
    fn();
  } else {
    port.queue.push(fn);
    if (port.kick !== null) {
      const k = port.kick;
      port.kick = null;
      k();
    }
  }
  return true;
}

// drain runs the port's queued ops; the caller is in the port's context.
function drain(port) {
  while (port.queue.length > 0) {
    const q = port.queue;
    port.queue = [];
    for (const fn of q) fn();
  }
}

function listen(port) {
  new Promise((r) => (port.kick = r)).then(() => {
    const prev = current;
    current = port;
    try {
      drain(port);
    } finally {
      current = prev;
    }
    if (!port.ended) listen(port);
  });
}

// idle arms the port's heartbeat when, after an event of its own, Go left it waiting with
// no I/O in flight in its context (waiting on another request's work, or on Go's deadline
// held by another port). Called in the port's context: only then can Go's I/O for it end,
// so only then can it become idle. Most requests have a fetch or a read in flight whenever
// Go is not running for them, and set no timer at all.
function idle(port) {
  if (port.beat === 0 && port.io === 0 && !port.ended) heartbeat(port);
}

function heartbeat(port) {
  port.beat = setTimeout(() => port.ended || heartbeat(port), HEARTBEAT_MS);
}

// op starts an asynchronous op for Go's op id and reports its outcome with complete. If
// the port ends first, Go hears "request ended" instead.
function op(port, id, begin) {
  if (port.ended) return false;
  port.pending.set(id, () => finish(port, id, "request ended"));
  port.io++;
  return post(port, () => {
    let p;
    try {
      p = begin();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (r) => { port.io--; finish(port, id, null, ...r); },
      (e) => { port.io--; finish(port, id, String(e?.message ?? e)); },
    );
  });
}

// finish hands an op's outcome to Go, once.
function finish(port, id, err, a, b, c, d) {
  if (port.pending.delete(id)) enter(port, () => port.inst.api.complete(id, err ?? null, a, b, c, d));
}

// bridge is what Go calls. Every function takes the port first.
function bridge(me) {
  return {
    api: me.api,
    // fetch answers status, headers, and either the whole body (small, not an event
    // stream) or a reader slot, so that a stream crosses to Go once per network read.
    fetch: (port, id, url, method, head, body) => op(port, id, async () => {
      const ac = new AbortController();
      port.aborts.set(id, ac);
      const r = await fetch(url, { method, headers: headers(head), body, signal: ac.signal });
      const len = Number(r.headers.get("content-length") ?? NaN);
      const sse = (r.headers.get("content-type") ?? "").startsWith("text/event-stream");
      if (r.body === null) return [r.status, flat(r.headers), new Uint8Array(0), -1];
      if (len <= WHOLE && !sse) return [r.status, flat(r.headers), new Uint8Array(await r.arrayBuffer()), -1];
      return [r.status, flat(r.headers), null, handle(port, r.body.getReader())];
    }),
    abort: (port, id) => post(port, () => port.aborts.get(id)?.abort()),
    read: (port, id, slot) => op(port, id, async () => {
      const { done, value } = await port.handles[slot].read();
      return [done ? null : value];
    }),
    cancel: (port, slot) => post(port, () => {
      port.handles[slot]?.cancel().catch(() => {});
      port.handles[slot] = undefined;
    }),
    kvGet: (port, id, binding, key) => op(port, id, async () => [await port.env[binding].get(key)]),
    kvPut: (port, id, binding, key, value, ttl) => op(port, id, async () =>
      [await port.env[binding].put(key, value, ttl > 0 ? { expirationTtl: ttl } : undefined)]),
    respond: (port, status, head, body, stream, cancelId) => post(port, () => {
      if (stream) {
        body = new ReadableStream({
          start: (c) => void (port.ctl = c),
          cancel: () => { port.ctl = null; finish(port, cancelId, "client went away"); },
        });
        port.pending.set(cancelId, () => finish(port, cancelId, "request ended"));
      }
      port.responded = true;
      port.resolve(new Response(body, { status, headers: headers(head) }));
    }),
    enqueue: (port, chunk) => post(port, () => port.ctl?.enqueue(chunk)),
    close: (port) => post(port, () => { port.ctl?.close(); port.ctl = null; }),
    finish: (port) => post(port, () => end(port)),
    // For the e2e suite and scripts/bench-edge (through SWITCHYARD_TEST_PANIC_PATH only).
    stats: () => JSON.stringify({
      instance: me.api.id, ports: me.ports.size, alarms: me.alarmed.size,
      linear_memory: me.go.mem.buffer.byteLength, js_values: me.go._values.length - me.go._idPool.length,
    }),
  };
}

// end retires a port: Go is done with it (or the instance died). Ops Go still waits on
// fail, Go's timer moves to a live port, and waitUntil is released.
function end(port, crash) {
  if (port.ended) return;
  port.ended = true;
  const me = port.inst;
  if (current === port) { // a timer can only be cleared in its own context
    if (port.beat !== 0) clearTimeout(port.beat);
    if (port.alarm !== null) clearTimeout(port.alarm.h);
  }
  port.alarm = null;
  me.alarmed.delete(port);
  me.ports.delete(port);
  if (crash) {
    if (!port.responded) port.resolve(crashResponse());
    try { port.ctl?.error(new Error("internal error")); } catch {}
  } else {
    // Failed ops are reported after the current call into Go returns, not inside it.
    const fails = [...port.pending.values()];
    Promise.resolve().then(() => fails.forEach((f) => f()));
  }
  port.queue = [];
  alarm(me, null);
  port.finish();
}

function crashResponse() {
  return new Response(CRASHED, { status: 500, headers: { "content-type": "application/json" } });
}

function crashed(me, err) {
  if (me.dead) return;
  me.dead = true;
  if (inst === me) inst = null;
  console.error(`switchyard: Go instance ${me.api.id} ended (${err?.stack ?? err}); the next request starts a new one`);
  for (const port of [...me.ports]) end(port, true);
}

// Go's runtime keeps one timer, its next deadline (first-byte timeouts, keep-alives), and
// arms it through the two imports below. wasm_exec.js's versions call setTimeout in
// whatever request's context is running, and a timer armed in a request that has since
// ended never fires in workerd (nor is freed). Here a deadline is an *alarm* held by a live
// port: at most one per port, in its own context, cleared when the port ends, and moved to
// another live port (or the next request) while Go still needs it. An alarm that rings
// before Go's deadline (the deadline moved later) just re-arms.
function scheduleTimer(me, sp) {
  const m = me.go.mem;
  const ms = m.getUint32(sp + 8, true) + m.getInt32(sp + 12, true) * 4294967296;
  me.deadline = { id: ++me.timerSeq, at: Date.now() + ms };
  alarm(me, current);
  m.setInt32(sp + 16, me.deadline.id, true);
}

function clearTimer(me, sp) {
  if (me.deadline?.id === me.go.mem.getInt32(sp + 8, true)) me.deadline = null;
}

// alarm makes sure a live port's alarm rings no later than Go's deadline, preferring port.
function alarm(me, port) {
  const d = me.deadline;
  if (d === null) return;
  for (const p of me.alarmed) if (p.alarm.at <= d.at) return;
  if (port === null || port.ended) {
    port = null;
    for (const p of me.ports) if (!p.ended) { port = p; break; }
    if (port === null) return; // the next request adopts it (open)
  }
  post(port, () => {
    if (port.alarm !== null) {
      if (port.alarm.at <= d.at) return;
      clearTimeout(port.alarm.h);
    }
    port.alarm = { at: d.at, h: setTimeout(() => ring(me, port), Math.max(0, d.at - Date.now())) };
    me.alarmed.add(port);
  });
}

function ring(me, port) {
  port.alarm = null;
  me.alarmed.delete(port);
  if (me.dead || port.ended) return;
  const d = me.deadline;
  // Due: resume Go with no event, which runs its expired timers (and clears the deadline).
  if (d !== null && d.at <= Date.now()) enter(port, () => me.go._resume());
  alarm(me, port);
}

function handle(port, v) {
  port.handles.push(v);
  return port.handles.length - 1;
}

// Headers cross as one string, "name\nvalue\n" per header: one boundary crossing instead
// of two per header. Fetch forbids CR, LF and NUL in names and values.
function flat(h) {
  let s = "";
  for (const [k, v] of h) s += k + "\n" + v + "\n";
  return s;
}

function headers(s) {
  const h = new Headers();
  const a = s.split("\n");
  for (let i = 0; i + 1 < a.length; i += 2) h.append(a[i], a[i + 1]);
  return h;
}
