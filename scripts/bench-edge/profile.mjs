// profile.mjs records a V8 CPU profile of a Worker's isolate through wrangler dev's DevTools
// inspector (Chrome DevTools Protocol), for `go run ./scripts/bench-edge -profile DIR`.
//
//   node --experimental-websocket profile.mjs INSPECTOR_PORT OUT.cpuprofile
//
// It starts the sampling profiler, prints "started", profiles until its stdin closes, then
// writes the profile (open it in Chrome DevTools' Performance panel, or let bench-edge
// summarise it). Node 20 has WebSocket behind that flag; later versions have it always.
import { writeFileSync } from "node:fs";

const [port, out] = process.argv.slice(2);
const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const target = targets.find((t) => t.webSocketDebuggerUrl);
if (!target) throw new Error(`no inspectable target on port ${port}: ${JSON.stringify(targets)}`);

// wrangler's inspector proxy wants a local Origin; `headers` is undici's (Node's) extension.
const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://127.0.0.1" } });
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let seq = 0;
const waiting = new Map();
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  const w = waiting.get(msg.id);
  if (!w) return; // an event, or wrangler's own traffic (ids from 100000000)
  waiting.delete(msg.id);
  if (msg.error) w.fail(new Error(JSON.stringify(msg.error)));
  else w.ok(msg.result ?? {});
};
const send = (method, params = {}) => new Promise((ok, fail) => {
  const id = ++seq;
  waiting.set(id, { ok, fail });
  ws.send(JSON.stringify({ id, method, params }));
});

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 }); // µs
await send("Profiler.start");
console.log("started");
process.stdin.resume();
await new Promise((r) => process.stdin.on("end", r));
const { profile } = await send("Profiler.stop");
writeFileSync(out, JSON.stringify(profile));
ws.close();
process.exit(0); // the proxy may never finish the close handshake
