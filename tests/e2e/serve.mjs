// A minimal static file server for dist/, with the MIME types the browser insists on (wasm).
// Options (for the embedding tests' host pages): `prefix` serves the folder under a sub-path,
// `cors` adds Access-Control-Allow-Origin: * (what a host of the widgets for other origins
// sends), `host` picks the address to listen on (another name is another origin), and `fill`
// replaces {{NAME}} in HTML files with fill[NAME], and `csp` sends that Content-Security-Policy
// with every HTML file.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.safetensors': 'application/octet-stream', '.woff2': 'font/woff2', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.csv': 'text/csv',
};

export function serveDir(dir, { prefix = '/', cors = false, host = '127.0.0.1', fill = null, csp = null } = {}) {
  const server = createServer(async (req, res) => {
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
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}
