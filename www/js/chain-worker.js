// The CPU chain of `options` in a Web Worker (see split-chain.js), running the slice of its
// samples it is handed. It keeps no state between runs but its model: each run starts from the
// x_t of the samples first.. it is given, so the page chain may step back, reset or fall back
// from WebGPU in between, and a slice may move from burst to burst.
//   → { type: 'init', module, wasm, weights, options }   ← { type: 'ready' }
// (`module`: the URL of ptheta.js; `wasm`: the compiled WebAssembly.Module of the page's build)
//   → { type: 'run', first, t, x, count }          ← { type: 'ran', states, ms }
// (`ms`: how long the steps took here, without the messages: the worker's speed)
// Any failure answers { type: 'error', message }.
let slice = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'init') {
      const mod = await import(data.module);
      await mod.default({ module_or_path: data.wasm });
      slice = new mod.WasmChainSlice(new Uint8Array(data.weights), data.options);
      self.postMessage({ type: 'ready' });
    } else if (data.type === 'run') {
      const started = performance.now();
      const states = slice.run(data.first, data.t, data.x, data.count);
      self.postMessage({ type: 'ran', states, ms: performance.now() - started }, [states.buffer]);
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
