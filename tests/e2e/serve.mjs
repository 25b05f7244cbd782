// A minimal static file server for dist/, with the MIME types the browser insists on (wasm).
// Options (for the embedding tests' host pages): `prefix` serves the folder under a sub-path,
// `cors` adds Access-Control-Allow-Origin: * (what a host of the widgets for other origins
// sends), `host` picks the address to listen on (another name is another origin), and `fill`
// replaces {{NAME}} in HTML files with fill[NAME], and `csp` sends that Content-Security-Policy
// with every HTML file. `asHost` (for the start benchmark, bench-start.mjs) answers as a static
// host such as GitHub Pages does: gzip for a client that accepts it (but the formats already
// compressed), an ETag and `cache-control: max-age=600`, so a second visit reads its cache; and
// `log(entry)` is called with { path, start, bytes } (bytes: the body as sent) for every response.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.safetensors': 'application/octet-stream', '.woff2': 'font/woff2', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.csv': 'text/csv',
};

const PRECOMPRESSED = new Set(['.woff2', '.woff', '.png']);

export function serveDir(dir, { prefix = '/', cors = false, host = '127.0.0.1', fill = null, csp = null, asHost = false, log = null } = {}) {
  // compressed once per file, as a host compresses ahead of time: the benchmark times the page, not zlib
  const gzipped = new Map();
  const server = createServer(async (req, res) => {
    const start = Date.now();
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!pathname.startsWith(prefix)) { res.writeHead(404).end('not found'); return; }
    const path = normalize(pathname.slice(prefix.length - 1)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    try {
      let body = await readFile(file);
      if (fill && extname(file) === '.html') body = Buffer.from(body.toString('utf8').replace(/\{\{(\w+)\}\}/g, (m, k) => fill[k] ?? m));
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length };
      if (cors) headers['access-control-allow-origin'] = '*';
      if (csp && extname(file) === '.html') headers['content-security-policy'] = csp;
      if (asHost) {
        const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
        Object.assign(headers, { etag, 'cache-control': 'max-age=600', vary: 'accept-encoding' });
        if (req.headers['if-none-match'] === etag) {
          log?.({ path: pathname, start, bytes: 0 });
          res.writeHead(304, { etag }).end();
          return;
        }
        if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '') && !PRECOMPRESSED.has(extname(file))) {
          if (!gzipped.has(etag)) gzipped.set(etag, gzipSync(body, { level: 9 }));
          body = gzipped.get(etag);
          Object.assign(headers, { 'content-encoding': 'gzip', 'content-length': body.length });
        }
      }
      log?.({ path: pathname, start, bytes: body.length });
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}
