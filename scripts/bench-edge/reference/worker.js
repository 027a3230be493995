// The plain-JavaScript pass-through Worker that scripts/bench-edge measures Switchyard's Go
// Worker against: the least a router on Workers can do. It forwards the request body to one
// upstream's chat completions URL (env.UPSTREAM, e.g. http://127.0.0.1:PORT/ok/v1) and
// returns the upstream's response as is, streaming included. No auth, no routing, no
// rewriting: whatever Switchyard costs above this is the price of being a router.
export default {
  async fetch(request, env) {
    return fetch(env.UPSTREAM + "/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer reference" },
      body: request.body,
    });
  },
};
