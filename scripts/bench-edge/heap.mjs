// heap.mjs reports what a Worker's isolate holds, for `go run ./scripts/bench-edge -long N`:
// workerd's process RSS counts workerd itself too, and grows in local dev for a plain
// JavaScript Worker as well, while the 128 MB limit is the isolate's.
//
//   node --experimental-websocket heap.mjs INSPECTOR_PORT WORKER_URL
//
// It connects to the isolate through wrangler's inspector and prints "ready"; then for
// each line on stdin it prints one JSON line, {"used":…, "total":…} in bytes: the JS heap
// in use after a full garbage collection, and the heap's reserved size. The Go Worker's
// wasm memory is outside both (bench-edge reads it from the Worker's stats).
//
// It stays connected for the whole run: while no client is, wrangler's inspector proxy
// buffers every event (each subrequest's body among them) and hands the backlog to the next
// client, which holds up the requests the same proxy forwards. And workerd runs the
// collection as a task of the isolate, which runs only when a request next enters it, so
// each report sends one (GET WORKER_URL).
import { createInterface } from "node:readline";
import { connect } from "./cdp.mjs";

const [port, url] = process.argv.slice(2);
const { send, close } = await connect(port);
await send("Runtime.getHeapUsage"); // answered after the backlog
console.log("ready");
for await (const _ of createInterface({ input: process.stdin })) {
  const gc = send("HeapProfiler.collectGarbage");
  await (await fetch(url, { signal: AbortSignal.timeout(60_000) })).arrayBuffer();
  await gc;
  const u = await send("Runtime.getHeapUsage");
  console.log(JSON.stringify({ used: u.usedSize, total: u.totalSize }));
}
close();
process.exit(0); // the proxy may never finish the close handshake
