// The npm package's entry for bundlers (`import "ptheta/widgets"`): ptheta-widgets.js without
// import.meta, which a bundle has no use for (it would name the bundle) and which esbuild warns
// about in a classic-script bundle. The page names where the package's files are served with
// <meta name="ptheta-base" content="…/">; without it each element says so in its place.
import { bootWidgets } from './js/boot.js';

bootWidgets('./js/widgets.js');
