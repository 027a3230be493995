// dev.mjs runs a Worker as `wrangler dev --local` does, through wrangler's own API, but
// without its DevTools inspector: for scripts/bench-edge -inspector=false (WorkerOptions.
// NoInspector). The wrangler CLI always starts the inspector, and with it the runtime
// reports every subrequest to wrangler's inspector proxy, its response body base64-encoded,
// at a CPU cost per request that production does not pay. Same workerd, same config,
// same local KV and D1 state.
//
//   node dev.mjs CONFIG PORT PERSIST_DIR [NAME:VALUE ...]
//
// It prints "Ready on http://127.0.0.1:PORT" once the Worker serves, and stops it on
// SIGTERM or SIGINT.
import { unstable_startWorker } from "wrangler";

const [config, port, persist, ...vars] = process.argv.slice(2);
const bindings = {};
for (const v of vars) {
  const i = v.indexOf(":");
  bindings[v.slice(0, i)] = { type: "plain_text", value: v.slice(i + 1), hidden: true };
}
const worker = await unstable_startWorker({
  config,
  bindings,
  dev: {
    remote: false,
    inspector: false,
    persist,
    watch: false,
    logLevel: "log",
    server: { hostname: "127.0.0.1", port: Number(port) },
  },
});
await worker.ready;
console.log(`Ready on ${String(await worker.url).replace(/\/$/, "")}`);
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => worker.dispose().finally(() => process.exit(0)));
}
