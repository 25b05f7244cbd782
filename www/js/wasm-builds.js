// The builds of pθ's wasm module, one per set of instructions a browser may have, fastest first:
// a page runs the first whose features the browser has (lesson-wasm.js, `chooseBuild`). All three
// export the same functions, so they share one JavaScript glue (ptheta.js). The one list:
// Trunk builds the simd128 one, tools/wasm-builds.mjs the others (from `rustflags`) and checks
// that their glue is Trunk's, and wasm-opt gets each one's `wasmOpt` features.
//
// The simd128 and scalar builds compute the same bits as each other, as native pθ and as WebGPU
// (src/cpu_mlp.rs). The relaxed-SIMD build fuses the matmuls' multiply-adds (cpu_mlp::FUSED), so
// its samples differ from theirs by rounding, within the tolerance that browser tests state.

/** The wasm features every build has (rustc's defaults for wasm32, wasm-opt's names). */
const BASE = ['bulk-memory', 'nontrapping-float-to-int', 'sign-ext', 'mutable-globals', 'multivalue', 'reference-types'];

export const WASM_BUILDS = Object.freeze([
  {
    name: 'relaxed-simd',
    file: 'ptheta-relaxed_bg.wasm',
    // functions of wasm-feature-detect, all of which must say yes
    needs: ['simd', 'relaxedSimd'],
    rustflags: ['-C', 'target-feature=+simd128,+relaxed-simd'],
    wasmOpt: [...BASE, 'simd', 'relaxed-simd'],
  },
  {
    name: 'simd128',
    file: 'ptheta_bg.wasm',
    needs: ['simd'],
    // .cargo/config.toml's, which Trunk's build uses
    rustflags: null,
    wasmOpt: [...BASE, 'simd'],
  },
  {
    name: 'scalar',
    file: 'ptheta-scalar_bg.wasm',
    needs: [],
    rustflags: ['-C', 'target-feature=-simd128'],
    wasmOpt: BASE,
  },
].map(Object.freeze));
