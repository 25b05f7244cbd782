// The lesson page's entry point: the page (lesson.js), or a notice saying why it could not start.
import { boot } from './boot.js';
import { loadWasm } from './lesson-wasm.js';

// The wasm module is the longest download and compile of the start, and which build the browser
// runs is known only here (the page cannot preload it): start it before the page's modules run.
// A failure is reported by whatever awaits it (the catalog, the chain), not here.
loadWasm().catch(() => {});
boot(() => import('./lesson.js'));
