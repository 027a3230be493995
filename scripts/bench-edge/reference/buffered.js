// A second plain-JavaScript reference for scripts/bench-edge: the pass-through done the way
// Switchyard's Worker has to do it, with no routing at all. The request body is read whole
// and handed over as bytes; a JSON answer is read whole too, an event stream is read and
// written by JS chunk by chunk to an IdentityTransformStream (the Worker relays each
// network read through Go);
// headers are copied into arrays, the response is a new Response, and ctx.waitUntil holds
// a promise resolved after the response, as worker.mjs does for Go's after-response work.
// What it costs above reference/worker.js is the price of the I/O pattern alone; what the
// Go Worker costs above it is Go's (runtime, glue and router).
//
//	go run ./scripts/bench-edge -js buffered=scripts/bench-edge/reference/buffered.js
//	go run ./scripts/bench-edge -stream 20 -js buffered=scripts/bench-edge/reference/buffered.js
export default {
  async fetch(request, env, ctx) {
    const body = new Uint8Array(await request.arrayBuffer());
    const r = await fetch(env.UPSTREAM + "/chat/completions", {
      method: "POST",
      headers: [["content-type", "application/json"], ["authorization", "Bearer reference"]],
      body: body.slice(),
    });
    const head = [...r.headers];
    let out;
    if ((r.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      const reader = r.body.getReader();
      const { readable, writable } = new IdentityTransformStream();
      const w = writable.getWriter();
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return w.close().catch(() => {});
          w.write(value.slice()).catch(() => {});
        }
      })();
      out = readable;
    } else {
      out = new Uint8Array(await r.arrayBuffer()).slice();
    }
    let done;
    ctx.waitUntil(new Promise((resolve) => (done = resolve)));
    const response = new Response(out, { status: r.status, headers: head });
    Promise.resolve().then(done);
    return response;
  },
};
