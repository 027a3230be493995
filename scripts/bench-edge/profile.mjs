// profile.mjs records a V8 CPU profile of a Worker's isolate through wrangler dev's DevTools
// inspector (Chrome DevTools Protocol), for `go run ./scripts/bench-edge -profile DIR`.
//
//   node --experimental-websocket profile.mjs INSPECTOR_PORT OUT.cpuprofile
//
// It starts the sampling profiler, prints "started", profiles until its stdin closes, then
// writes the profile (open it in Chrome DevTools' Performance panel, or let bench-edge
// summarise it).
import { writeFileSync } from "node:fs";
import { connect } from "./cdp.mjs";

const [port, out] = process.argv.slice(2);
const { send, close } = await connect(port);

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 }); // µs
await send("Profiler.start");
console.log("started");
process.stdin.resume();
await new Promise((r) => process.stdin.on("end", r));
const { profile } = await send("Profiler.stop");
writeFileSync(out, JSON.stringify(profile));
close();
process.exit(0); // the proxy may never finish the close handshake
