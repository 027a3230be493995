// A second plain-JavaScript reference for scripts/bench-edge: the pass-through done the way
// Switchyard's Worker has to do it, with no routing at all. Both bodies are read whole and
// handed over as bytes, headers are copied into arrays, the response is a new Response, and
// ctx.waitUntil holds a promise resolved after the response, as worker.mjs does for Go's
// after-response work. What it costs above reference/worker.js is the price of the I/O
// pattern alone; what the Go Worker costs above it is Go's (runtime, glue and router).
//
//	go run ./scripts/bench-edge -js buffered=scripts/bench-edge/reference/buffered.js
export default {
  async fetch(request, env, ctx) {
    const body = new Uint8Array(await request.arrayBuffer());
    const r = await fetch(env.UPSTREAM + "/chat/completions", {
      method: "POST",
      headers: [["content-type", "application/json"], ["authorization", "Bearer reference"]],
      body: body.slice(),
    });
    const head = [...r.headers];
    const out = new Uint8Array(await r.arrayBuffer());
    let done;
    ctx.waitUntil(new Promise((resolve) => (done = resolve)));
    const response = new Response(out.slice(), { status: r.status, headers: head });
    Promise.resolve().then(done);
    return response;
  },
};
