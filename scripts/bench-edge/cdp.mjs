// cdp.mjs connects to a Worker's isolate through wrangler dev's DevTools inspector (Chrome
// DevTools Protocol) and returns send(method, params) → result, and close(). Shared by
// profile.mjs and heap.mjs. Node 20 has WebSocket behind --experimental-websocket; later
// versions have it always.
export async function connect(port) {
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
  return { send, close: () => ws.close() };
}
