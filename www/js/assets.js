// Where the site's files are served. In the dev build every file keeps its own name; `cargo xtask
// dist` (tools/site.mjs) gives each one a content-hashed name, rewrites every path written as a
// string in the code, and writes into RENAMED the new name of every other file, so that a path
// the code builds at run time (a model's weights, a language's messages) still finds its file.
// Paths are from the site's root (where ptheta-widgets.js is), e.g. `weights/moons-epsilon.safetensors`.
const RENAMED = {};
const ROOT = new URL('../', import.meta.url);

/** The URL of the site's file at `path` (from the site's root), under whatever name it is served. */
export const siteUrl = (path) => new URL(RENAMED[path] ?? path, ROOT);
