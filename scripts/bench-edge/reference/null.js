// The JavaScript half of bench-edge -null: read the request, answer env.CANNED at once, call
// nothing. Beside the floor build given the same answer (edge/floor_js.go), the difference
// is what it costs to enter Go and leave it, with no I/O of Go's own.
export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    return new Response(env.CANNED, { headers: { "content-type": "application/json" } });
  },
};
