// One slice of a CPU chain in a Web Worker (see split-chain.js): samples first..first+samples of
// the chain of `options`, stepped on request. Plain messages, no SharedArrayBuffer: the page needs
// no cross-origin isolation.
//   → { type: 'init', module, weights, options, first }   ← { type: 'ready', t, positions }
//   → { type: 'step', count }                             ← { type: 'stepped', t, positions }
// Any failure answers { type: 'error', message }.
let slice = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'init') {
      const mod = await import(data.module);
      await mod.default();
      slice = new mod.WasmChainSlice(new Uint8Array(data.weights), data.options, data.first);
      reply('ready', slice.step(0));
    } else if (data.type === 'step') {
      reply('stepped', slice.step(data.count));
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};

function reply(type, t) {
  const positions = slice.positions();
  self.postMessage({ type, t, positions }, [positions.buffer]);
}
