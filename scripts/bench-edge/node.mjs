// node.mjs runs a Worker build in node instead of workerd, with an in-memory upstream and
// KV, to measure (and profile) the Worker's own code without workerd around it:
//
//	scripts/build-edge /tmp/b && node scripts/bench-edge/node.mjs /tmp/b [N]
//	node scripts/bench-edge/node.mjs scripts/bench-edge/reference/buffered.js [N]
//	node --cpu-prof --cpu-prof-dir=/tmp/prof scripts/bench-edge/node.mjs /tmp/b
//	node --expose-gc scripts/bench-edge/node.mjs /tmp/b 100000   # JS heap before and after
//
// It prints wall and CPU time per request over N routed chat completions (default 20,000)
// at concurrency 4, after 3,000 unmeasured ones. No network: fetch is replaced by a stub
// that answers like an OpenAI-compatible upstream. The figures are node's, not workerd's
// (workerd adds its own per-call machinery; see edge/README.md), so compare builds with
// each other here, and with the buffered reference.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [target, n = "20000"] = process.argv.slice(2);
if (!target) throw new Error("usage: node scripts/bench-edge/node.mjs BUILD_DIR|WORKER.js [N]");
const N = Number(n), C = 4, WARM = 3000;

// The Worker runs from a scratch copy: a JS reference as an ES module whatever its
// extension, and worker.mjs with its app.wasm import (which only bundlers understand)
// replaced by compiling the file.
const dir = mkdtempSync(join(tmpdir(), "switchyard-node-"));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
if (target.endsWith(".js") || target.endsWith(".mjs")) {
  copyFileSync(target, join(dir, "worker.mjs"));
} else {
  for (const f of ["wasm_exec.js", "app.wasm"]) copyFileSync(join(target, f), join(dir, f));
  const src = readFileSync(join(target, "worker.mjs"), "utf8").replace(
    'import wasm from "./app.wasm";',
    'import { readFileSync } from "node:fs";\nconst wasm = new WebAssembly.Module(readFileSync(new URL("./app.wasm", import.meta.url)));',
  );
  writeFileSync(join(dir, "worker.mjs"), src);
}
const worker = (await import(pathToFileURL(join(dir, "worker.mjs")))).default;
if (worker === undefined) throw new Error(`${target} has no default export`);

const answer = JSON.stringify({
  id: "chatcmpl-1", object: "chat.completion", created: 1, model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "fake upstream says hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});
// workerd's identity byte stream, which worker.mjs writes streamed responses to.
globalThis.IdentityTransformStream ??= class extends TransformStream {};

globalThis.fetch = async () =>
  new Response(answer, { status: 200, headers: { "content-type": "application/json", "content-length": String(answer.length) } });
const kv = new Map();
const env = {
  KV: { get: async (k) => kv.get(k) ?? null, put: async (k, v) => void kv.set(k, v) },
  SWITCHYARD_ADMIN_KEY: "sk-sy-admin-node-0123456789abcdef",
  UPSTREAM: "http://upstream.invalid/v1", // the JS references
  TOGETHER_API_KEY: "node-key", TOGETHER_BASE_URL: "http://upstream.invalid/v1",
};
const ctx = { waitUntil() {}, passThroughOnException() {} };

let key = "reference";
const made = await worker.fetch(new Request("http://worker/api/v1/keys", {
  method: "POST", body: '{"name":"node"}',
  headers: { authorization: "Bearer " + env.SWITCHYARD_ADMIN_KEY, "content-type": "application/json" },
}), env, ctx);
if (made.status === 201) key = (await made.json()).key;

const body = JSON.stringify({ model: "meta-llama/llama-3.3-70b-instruct", messages: [{ role: "user", content: "hello there" }] });
async function one() {
  const r = await worker.fetch(new Request("http://worker/api/v1/chat/completions", {
    method: "POST", body,
    headers: { authorization: "Bearer " + key, "content-type": "application/json", "content-length": String(body.length) },
  }), env, ctx);
  const text = await r.text();
  if (r.status !== 200 || !text.includes("fake upstream")) throw new Error(`status ${r.status}: ${text.slice(0, 300)}`);
}
// heap is the JS heap in use after a full GC, when node runs with --expose-gc.
function heap() {
  globalThis.gc?.();
  return (process.memoryUsage().heapUsed / (1 << 20)).toFixed(1);
}

async function run(count) {
  let left = count;
  await Promise.all(Array.from({ length: C }, async () => { while (left-- > 0) await one(); }));
}

try {
  await run(WARM);
  const heap0 = heap();
  const t0 = performance.now(), c0 = process.cpuUsage();
  await run(N);
  const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
  console.log(`${target}: ${N} requests at concurrency ${C}: ${(wall / N * 1000).toFixed(1)} µs wall, ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per request`);
  if (globalThis.gc) console.log(`JS heap after a full GC: ${heap0} MiB before, ${heap()} MiB after (wasm memory not included)`);
} finally {
  cleanup();
}
