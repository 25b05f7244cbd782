// One slice of the CPU chain in a Web Worker (see split-chain.js): samples first..first+samples of
// the chain of `options`. It keeps no state between runs but its model: each run starts from the
// x_t it is given, so the page chain may step back, reset or fall back from WebGPU in between.
//   → { type: 'init', module, wasm, weights, options, first }   ← { type: 'ready' }
// (`module`: the URL of ptheta.js; `wasm`: the compiled WebAssembly.Module of the page's build)
//   → { type: 'run', t, x, count }                        ← { type: 'ran', states }
// Any failure answers { type: 'error', message }.
let slice = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'init') {
      const mod = await import(data.module);
      await mod.default({ module_or_path: data.wasm });
      slice = new mod.WasmChainSlice(new Uint8Array(data.weights), data.options, data.first);
      self.postMessage({ type: 'ready' });
    } else if (data.type === 'run') {
      const states = slice.run(data.t, data.x, data.count);
      self.postMessage({ type: 'ran', states }, [states.buffer]);
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
