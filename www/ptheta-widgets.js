// The one script a page loads to use pθ's elements anywhere:
//   <script type="module" src="https://…/ptheta-widgets.js"></script>
//   <ptheta-chain dataset="moons" param="epsilon"></ptheta-chain>
// Everything else (the wasm module, the weights, the messages, the styles and KaTeX's fonts) is
// found relative to this file, so the site can be served from any origin and any sub-path (from
// another origin, the host must send Access-Control-Allow-Origin: see the README), or from where
// the page's <meta name="ptheta-base" content="…/"> says. Loaded twice, it defines each element
// once. If it cannot start, each element says why in its place.
import { bootWidgets } from './js/boot.js';

bootWidgets('./js/widgets.js', import.meta.url);
