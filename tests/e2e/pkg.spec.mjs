// `cargo xtask pkg` (tools/pkg.mjs, from the dist/ this stage built: no second wasm build): what
// `npm pack` makes of it, installed in a course's node_modules, bundled by esbuild from a page
// script that does `import "ptheta/widgets"`, runs a chain to t = 0; its types compile a course's
// TypeScript and refuse a wrong use; its custom-elements.json follows the Custom Elements Manifest
// schema and names what the elements really have. Part of the `lesson` project:
// `npx playwright test tests/e2e/pkg.spec.mjs --project lesson`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { test as base, expectErrors } from './fixtures.mjs';
import { assert, screenInk } from './helpers.mjs';
import { serveDir } from './serve.mjs';
import { writePackage } from '../../tools/pkg.mjs';

const SUB = '/week5/';

/** A course project in a temporary folder, with the packed package installed in node_modules. */
const test = base.extend({
  course: [async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'ptheta-pkg-'));
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    copyFileSync('pkg/README.md', join(pkg, 'README.md'));
    writePackage('dist', pkg);
    // what npm publishes is what `files` lets through, not the folder
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: pkg, encoding: 'utf8' }).trim().split('\n').pop();
    const course = join(dir, 'course');
    const installed = join(course, 'node_modules', 'ptheta');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', installed, '--strip-components=1']);
    await use({ dir: course, installed });
    rmSync(dir, { recursive: true, force: true });
  }, { scope: 'worker' }],
});

test('an esbuild bundle of a course page that imports "ptheta/widgets" runs a chain to t = 0; without ptheta-base it says what is missing', expectErrors(/ptheta-base/), async ({ page, course }) => {
  mkdirSync(join(course.dir, 'src'), { recursive: true });
  writeFileSync(join(course.dir, 'src', 'course.js'), [
    "import 'ptheta/widgets';",
    "document.addEventListener('ptheta-done', (e) => { document.body.dataset.done = e.target.id; });",
  ].join('\n'));
  // esbuild's defaults for a browser bundle (an IIFE script), nothing configured for pθ
  const built = await esbuild.build({
    absWorkingDir: course.dir, entryPoints: ['src/course.js'], bundle: true, outfile: 'out/course.js', logLevel: 'silent',
  });
  assert(built.errors.length === 0 && built.warnings.length === 0, `esbuild: ${JSON.stringify([...built.errors, ...built.warnings])}`);
  const size = statSync(join(course.dir, 'out', 'course.js')).size;
  assert(size < 20_000, `the bundle holds the entry, not the widgets, which load from the package's files: ${size} bytes`);
  const html = (meta) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Week 5</title>
${meta}
</head><body>
<h1>Week 5</h1>
<ptheta-chain id="c" dataset="moons" param="epsilon" steps="20" samples="256" backend="cpu"></ptheta-chain>
<script src="out/course.js"></script>
</body></html>`;
  writeFileSync(join(course.dir, 'index.html'), html('<meta name="ptheta-base" content="node_modules/ptheta/">'));
  writeFileSync(join(course.dir, 'forgot.html'), html(''));
  const server = await serveDir(course.dir, { prefix: SUB });
  const site = `http://127.0.0.1:${server.address().port}${SUB}`;
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  try {
    await page.goto(site);
    await page.waitForSelector('ptheta-chain#c[data-state="ready"]', { timeout: 120000 });
    assert(await page.$eval('#c', (el) => el.goTo(0)) === 0, 'the chain reached t = 0');
    await page.locator('#c').screenshot({ path: 'test-artifacts/embed-bundled.png' });
    await page.waitForSelector('body[data-done="c"]');
    assert(await screenInk(page, '#c') > 100, 'the chain drew its samples');
    // the manifest names the catalog's attributes, each a property where it says so
    const manifest = JSON.parse(readFileSync(join(course.installed, 'custom-elements.json'), 'utf8'));
    const chain = manifest.modules.flatMap((m) => m.declarations).find((d) => d.tagName === 'ptheta-chain');
    const live = await page.evaluate(async (attributes) => {
      const { catalog } = await import(new URL('node_modules/ptheta/js/lesson-wasm.js', document.baseURI));
      const el = document.createElement('ptheta-chain');
      const properties = attributes.filter((a) => a.fieldName).map((a) => {
        el[a.fieldName] = '7';
        return [a.name, el.getAttribute(a.name) === '7' && el[a.fieldName] === '7'];
      });
      return { catalog: (await catalog()).chainAttributes, properties };
    }, chain.attributes);
    // the catalog's, in its order, then HTML's lang, which every element reads
    assert(chain.attributes.map((a) => a.name).join() === [...live.catalog, 'lang'].join(), `the manifest's attributes are the catalog's and lang: ${live.catalog}`);
    const broken = live.properties.filter(([, ok]) => !ok);
    // every attribute but dataset (HTMLElement.dataset) and lang (HTMLElement's own) is a property of pθ's
    assert(live.properties.length === chain.attributes.length - 2 && broken.length === 0, `every fieldName is a property of the element: ${JSON.stringify(live.properties)}`);
    assert(failed.length === 0, `failed requests: ${failed.join(', ')}`);
    // the author who forgot the line is told which line, in the element's place
    await page.goto(`${site}forgot.html`);
    const said = await page.waitForSelector('ptheta-chain[data-error]').then((el) => el.evaluate((e) => e.shadowRoot.textContent));
    assert(said.includes('<meta name="ptheta-base"'), `the element names the missing line: ${said}`);
  } finally {
    await new Promise((resolve) => { server.close(resolve); });
  }
});

test("the package's types compile a course's script and refuse a wrong use; its manifest follows the schema", async ({ course }) => {
  // @ts-expect-error fails the compile when the line it guards compiles, so each one proves a refusal
  const file = join(course.dir, 'src', 'course.ts');
  mkdirSync(join(course.dir, 'src'), { recursive: true });
  writeFileSync(file, `import 'ptheta/widgets';
import type { PthetaChainElement, PthetaDataset } from 'ptheta';

const chain: PthetaChainElement = document.querySelector('ptheta-chain')!;
chain.samples = 256;
chain.theme = 'dark';
chain.autoplay = true;
const dataset: PthetaDataset = 'swiss-roll';
chain.setAttribute('dataset', dataset);
chain.addEventListener('ptheta-done', (e) => { const steps: number = e.detail.steps; console.log(steps, e.detail.info.parameterization); });
document.addEventListener('ptheta-answer', (e) => { const right: boolean = e.detail.correct; console.log(right); });
const quiz = document.createElement('ptheta-quiz');
const score: number = quiz.getScore();
export async function run(): Promise<number | null> {
  await chain.loading;
  console.log(score, chain.chain?.backend);
  return chain.goTo(0);
}
// @ts-expect-error: not a palette
chain.theme = 'blue';
// @ts-expect-error: goTo takes a number
chain.goTo('0');
// @ts-expect-error: not a dataset of the catalog
const other: PthetaDataset = 'mnist';
// @ts-expect-error: the detail of ptheta-select has no t
document.addEventListener('ptheta-select', (e) => e.detail.t);
console.log(other);
`);
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert(problems.length === 0, `the course's TypeScript compiles against the package's types: ${problems.join(' | ')}`);
  const resolved = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.endsWith('ptheta-widgets.d.ts'));
  assert(resolved.length === 1 && resolved[0].startsWith(course.installed), `the types came from the installed package: ${resolved}`);

  const schema = JSON.parse(readFileSync('node_modules/custom-elements-manifest/schema.json', 'utf8'));
  const manifest = JSON.parse(readFileSync(join(course.installed, 'custom-elements.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);
  assert(validate(manifest), `custom-elements.json follows the schema: ${JSON.stringify(validate.errors)}`);
  const pkg = JSON.parse(readFileSync(join(course.installed, 'package.json'), 'utf8'));
  assert(pkg.customElements === 'custom-elements.json' && pkg.license === 'MIT OR Apache-2.0', JSON.stringify(pkg));
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'ptheta_bg.wasm', 'weights/moons-epsilon.safetensors', 'i18n/es.json', 'quiz/lesson.json', 'katex/katex.min.css']) {
    assert(statSync(join(course.installed, f)).size > 0, `the package holds ${f}`);
  }
  const tags = manifest.modules.flatMap((m) => m.declarations).map((d) => d.tagName);
  assert(tags.length === 8 && tags.includes('ptheta-quiz'), `every element is declared: ${tags}`);
});
