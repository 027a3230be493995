// Switchyard's Worker entry: one Go instance per isolate, shared by every request the
// isolate serves, concurrently. Why, and the rules below, are in edge/README.md.
//
// The Go program (app.wasm, edge/*_js.go) starts lazily on the first request (the Go
// runtime asks for random bytes at start-up, which workerd refuses in global scope) and
// stays alive. A request is a *port*: a number, its env, its ctx, its response promise.
// Go and this file talk through plain wasm imports and exports: numbers, and bytes in Go's
// linear memory (edge/bridge_js.go says why not syscall/js). Go never touches workerd I/O
// itself. It asks for I/O through the ops below, and each op runs in the workerd request
// context (IoContext) of the port it is for, because workerd ties I/O to the request that
// started it: a fetch started while another request's callback is running belongs to that
// other request, fails with "Cannot perform I/O on behalf of a different request" when
// used, and dies when that request ends. In one shared Go instance, code for request B runs
// whenever Go is resumed, often from request A's callback (timers, goroutine hand-offs), so
// every op checks whose context is running.
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
const CRASHED_EVENT = `data: ${CRASHED}\n\n`;
const BUSY = '{"error":{"code":503,"message":"Worker overloaded, retry"}}';
const FAILED = -1, ENDED = -2; // op outcomes besides the op's own status (bridge_js.go)

let inst = null; // the live Go instance: { go, ex, memory, ports, deadline, alarmed, dead }
let current = null; // the port whose event is running Go right now (see enter)
let started = 0; // instances started in this isolate, for logs
let portSeq = 0;
const envIds = new WeakMap(); // env object → small integer, so Go can cache env reads per env
let envSeq = 0;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export default {
  async fetch(request, env, ctx) {
    // Small request bodies cross in one piece; larger or unsized ones are read by Go.
    let body = null;
    if (request.body !== null && Number(request.headers.get("content-length") ?? NaN) <= WHOLE) {
      body = new Uint8Array(await request.arrayBuffer());
    }
    return new Promise((resolve) => {
      const port = open(env, ctx, resolve);
      if (port.ended) return;
      const reader = request.body !== null && body === null ? handle(port, request.body.getReader()) : -1;
      let id = envIds.get(env);
      if (id === undefined) envIds.set(env, (id = ++envSeq));
      // The request's parcel (key 0), which Go takes when it starts on the request: method,
      // URL and headers as one "method\nurl\nname\nvalue\n…" string (neither a method nor a
      // parsed URL holds a newline), and the body.
      port.parcels.set(0, [utf8.encode(request.method + "\n" + request.url + "\n" + flat(request.headers)), body]);
      enter(port, (ex) => {
        if (ex.serve(port.id, id, reader)) return true;
        port.responded = true; // Go's inbox is full: refuse without reaching Go
        resolve(new Response(BUSY, { status: 503, headers: { "content-type": "application/json" } }));
        end(port);
        return false;
      });
    });
  },
};

// open makes the port for one request, on the current instance (started if needed).
function open(env, ctx, resolve) {
  portSeq = portSeq >= 0x7fffffff ? 1 : portSeq + 1;
  const port = {
    id: portSeq, env, resolve, inst: null, responded: false, ended: false,
    out: null, // the writer of the response body, once streaming (see respond)
    queue: [], kick: null, // ops waiting to run in this port's context (see post)
    pending: new Map(), // op id → fail(), for ops Go still waits on
    parcels: new Map(), // key → byte arrays waiting for Go to take (see the parcel import)
    io: 0, // how many pending ops are workerd I/O (fetch, read, KV) in this port's context
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
  inst.ports.set(port.id, port);
  alarm(inst, port); // Go may be waiting for a deadline no live request holds
  return port;
}

// start instantiates the Go program. Its main calls the ready import and then waits for
// requests, which returns control here.
function start(port) {
  const go = new Go();
  const me = {
    go, ex: null, memory: null, id: ++started, ready: false,
    ports: new Map(), deadline: null, timerSeq: 0, alarmed: new Set(), dead: false,
  };
  go.importObject.gojs["runtime.scheduleTimeoutEvent"] = (sp) => scheduleTimer(me, sp >>> 0);
  go.importObject.gojs["runtime.clearTimeoutEvent"] = (sp) => clearTimer(me, sp >>> 0);
  go.importObject.switchyard = imports(me);
  inst = me;
  port.inst = me;
  const instance = new WebAssembly.Instance(wasm, go.importObject);
  me.ex = instance.exports;
  me.memory = instance.exports.mem;
  // run's promise would settle when Go exits, from whichever request's context it exits in
  // (workerd warns when that is not the context that made it, this one); enter notices an
  // exit itself, so only a throw out of Go's start is wanted from it.
  go._resolveExitPromise = ignore;
  enter(port, () => {
    go.run(instance).catch((e) => crashed(me, e));
    return false; // run has already run Go until main waited
  });
  if (!me.ready) crashed(me, "Go program did not start");
}

// enter runs fn (a call of one of Go's exports) on behalf of port and, if fn says so, then
// resumes Go so that the goroutines the export woke run; see post. A throw out of Go, or an
// exit, means the instance is gone: its requests fail and the next request starts a new one.
function enter(port, fn) {
  const me = port.inst;
  if (me === null || me.dead) return;
  const prev = current;
  current = port;
  try {
    if (fn(me.ex)) me.go._resume();
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
  if (port === undefined || port.ended) return false;
  inContext(port, fn);
  return true;
}

// inContext is post without the check, for end's last op on a port.
function inContext(port, fn) {
  if (current === port) {
    drain(port);
    fn();
    return;
  }
  port.queue.push(fn);
  if (port.kick !== null) {
    const k = port.kick;
    port.kick = null;
    k();
  }
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

// op starts an asynchronous op for Go's op id. begin resolves to [status, parts, slot]:
// the op's outcome for Go, and the byte arrays (or nulls) Go takes as its parcel. If the
// port ends first, Go hears ENDED instead.
function op(port, id, begin) {
  if (port === undefined || port.ended) return false;
  port.pending.set(id, () => finish(port, id, ENDED));
  port.io++;
  return post(port, () => {
    let p;
    try {
      p = begin();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      ([status, parts, slot]) => { port.io--; finish(port, id, status, parts, slot); },
      (e) => { port.io--; finish(port, id, FAILED, [utf8.encode(String(e?.message ?? e))]); },
    );
  });
}

// finish hands an op's outcome to Go, once; its bytes wait as a parcel until Go takes them.
function finish(port, id, status, parts, slot = -1) {
  if (!port.pending.delete(id)) return;
  if (parts !== undefined) port.parcels.set(id, parts);
  enter(port, (ex) => {
    if (ex.complete(id, status, slot)) return true;
    port.parcels.delete(id); // Go stopped waiting (its request's context ended)
    return false;
  });
}

// imports are the functions Go calls (importObject.switchyard, edge/bridge_js.go). Each
// takes a port number first; strings and bytes arrive as (pointer, length) into Go's
// memory and are copied before returning, since Go may reuse that memory at once.
function imports(me) {
  const view = (p, n) => new Uint8Array(me.memory.buffer, p >>> 0, n);
  const str = (p, n) => (n === 0 ? "" : text.decode(view(p, n)));
  const bytes = (p, n) => (n < 0 ? null : view(p, n).slice());
  const portOf = (id) => me.ports.get(id);
  // put writes b into Go's buffer (p, n) if it fits and returns its length either way.
  const put = (b, p, n) => {
    if (b.length <= n) view(p, b.length).set(b);
    return b.length;
  };
  return {
    ready: () => void (me.ready = true),
    // parcel writes the byte lengths of the parts under key (-1 for null) and returns
    // their sum, or -1 when there is no such parcel (the request has ended).
    parcel: (pid, key, lens, n) => {
      const parts = portOf(pid)?.parcels.get(key >>> 0);
      if (parts === undefined) return -1;
      const l = new Int32Array(me.memory.buffer, lens >>> 0, n);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const b = parts[i] ?? null;
        l[i] = b === null ? -1 : b.length;
        total += b === null ? 0 : b.length;
      }
      return total;
    },
    // take copies the parcel into Go's memory at dst, back to back, and forgets it.
    take: (pid, key, dst) => {
      const port = portOf(pid);
      const parts = port?.parcels.get(key >>> 0);
      if (parts === undefined) return;
      port.parcels.delete(key >>> 0);
      const mem = new Uint8Array(me.memory.buffer);
      let at = dst >>> 0;
      for (const b of parts) if (b) { mem.set(b, at); at += b.length; }
    },
    // fetch answers status, headers, and either the whole body (small, not an event
    // stream) or a reader slot, so that a stream crosses to Go once per network read. The
    // request comes as one "method\nurl\nname\nvalue\n…" string, and its body.
    fetch: (pid, id, sP, sN, bP, bN) => {
      const port = portOf(pid);
      const s = str(sP, sN), i = s.indexOf("\n"), j = s.indexOf("\n", i + 1);
      const method = s.slice(0, i), url = s.slice(i + 1, j), head = headers(s.slice(j + 1)), body = bytes(bP, bN);
      return op(port, id, async () => {
        const ac = new AbortController();
        port.aborts.set(id, ac);
        const r = await fetch(url, { method, headers: head, body, signal: ac.signal });
        const h = utf8.encode(flat(r.headers));
        const len = Number(r.headers.get("content-length") ?? NaN);
        const sse = (r.headers.get("content-type") ?? "").startsWith("text/event-stream");
        if (r.body === null) return [r.status, [h, new Uint8Array(0)]];
        if (len <= WHOLE && !sse) return [r.status, [h, new Uint8Array(await r.arrayBuffer())]];
        return [r.status, [h, null], handle(port, r.body.getReader())];
      });
    },
    abort: (pid, id) => {
      const port = portOf(pid);
      post(port, () => port.aborts.get(id)?.abort());
    },
    read: (pid, id, slot) => {
      const port = portOf(pid);
      return op(port, id, async () => {
        const { done, value } = await port.handles[slot].read();
        return done ? [1] : [0, [value]];
      });
    },
    cancel: (pid, slot) => {
      const port = portOf(pid);
      post(port, () => {
        port.handles[slot]?.cancel().catch(() => {});
        port.handles[slot] = undefined;
      });
    },
    kvGet: (pid, id, bP, bN, kP, kN) => {
      const port = portOf(pid);
      const binding = str(bP, bN), key = str(kP, kN);
      return op(port, id, async () => {
        const v = await port.env[binding].get(key);
        return v === null ? [0] : [1, [utf8.encode(v)]];
      });
    },
    kvPut: (pid, id, bP, bN, kP, kN, vP, vN, ttl) => {
      const port = portOf(pid);
      const binding = str(bP, bN), key = str(kP, kN), val = str(vP, vN);
      return op(port, id, async () => {
        await port.env[binding].put(key, val, ttl > 0 ? { expirationTtl: ttl } : undefined);
        return [0];
      });
    },
    respond: (pid, status, hP, hN, bP, bN, stream, cancelId) => {
      const port = portOf(pid);
      const head = headers(str(hP, hN));
      let body = stream ? null : bytes(bP, bN);
      return post(port, () => {
        if (stream) {
          // workerd's own byte stream, not a JavaScript ReadableStream, which would cost
          // a round of JS promises per chunk (README.md, rule 7). Its writer's closed
          // promise rejects when the client goes away.
          const { readable, writable } = new IdentityTransformStream();
          const out = writable.getWriter();
          out.closed.catch(() => {
            if (port.out !== out) return; // closed or aborted by us first
            port.out = null;
            finish(port, cancelId, FAILED, [utf8.encode("client went away")]);
          });
          port.out = out;
          body = readable;
          port.pending.set(cancelId, () => finish(port, cancelId, ENDED));
        }
        port.responded = true;
        port.resolve(new Response(body, { status, headers: head }));
      });
    },
    enqueue: (pid, p, n) => {
      const port = portOf(pid);
      const chunk = bytes(p, n);
      return post(port, () => port.out?.write(chunk).catch(ignore));
    },
    close: (pid) => {
      const port = portOf(pid);
      post(port, () => { port.out?.close().catch(ignore); port.out = null; });
    },
    finish: (pid) => {
      const port = portOf(pid);
      post(port, () => end(port));
    },
    // env writes the env value named into Go's buffer if it fits and returns its byte
    // length (Go asks again with a larger buffer), or -1 when it is not a string, number
    // or boolean (unset, or a binding).
    env: (pid, nP, nN, p, n) => {
      const v = portOf(pid)?.env[str(nP, nN)];
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return -1;
      return put(utf8.encode(String(v)), p, n);
    },
    // For the e2e suite and scripts/bench-edge (through SWITCHYARD_TEST_PANIC_PATH only).
    stats: (p, n) => put(utf8.encode(JSON.stringify({
      instance: me.id, ports: me.ports.size, alarms: me.alarmed.size,
      linear_memory: me.memory.buffer.byteLength, js_values: me.go._values.length - me.go._idPool.length,
    })), p, n),
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
  me.ports.delete(port.id);
  port.parcels.clear();
  port.queue = [];
  if (crash) {
    if (!port.responded) port.resolve(crashResponse());
    // A stream being sent ends with an error event, as core ends one that fails midway,
    // and closes, in its request's context (from another one workerd refuses the write
    // and later cancels the request as hung). Not an abort: behind wrangler dev's proxy
    // an errored body stalled the next request until its client gave up.
    const out = port.out;
    port.out = null;
    if (out !== null) {
      inContext(port, () => out.write(utf8.encode(CRASHED_EVENT)).then(() => out.close()).catch(ignore));
    }
  } else {
    // Failed ops are reported after the current call into Go returns, not inside it.
    if (port.pending.size > 0) {
      const fails = [...port.pending.values()];
      Promise.resolve().then(() => fails.forEach((f) => f()));
    }
  }
  alarm(me, null);
  port.finish();
}

function ignore() {}

function crashResponse() {
  return new Response(CRASHED, { status: 500, headers: { "content-type": "application/json" } });
}

function crashed(me, err) {
  if (me.dead) return;
  me.dead = true;
  if (inst === me) inst = null;
  console.error(`switchyard: Go instance ${me.id} ended (${err?.stack ?? err}); the next request starts a new one`);
  for (const port of [...me.ports.values()]) end(port, true);
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
    // The newest live port: ports mostly end in the order they came, so the alarm then
    // outlasts the others in flight instead of moving again when the next one ends.
    port = null;
    for (const p of me.ports.values()) if (!p.ended) port = p;
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
  if (d !== null && d.at <= Date.now()) enter(port, () => true);
  alarm(me, port);
}

function handle(port, v) {
  port.handles.push(v);
  return port.handles.length - 1;
}

// Headers cross as one string, "name\nvalue\n" per header. Fetch forbids CR, LF and NUL
// in names and values.
function flat(h) {
  let s = "";
  for (const [k, v] of h) s += k + "\n" + v + "\n";
  return s;
}

// headers turns the flat form into the [name, value] pairs Headers and Response accept.
function headers(s) {
  const a = s.split("\n");
  const h = [];
  for (let i = 0; i + 1 < a.length; i += 2) h.push([a[i], a[i + 1]]);
  return h;
}
