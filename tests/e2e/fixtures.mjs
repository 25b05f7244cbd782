// The Playwright `test` every browser test uses: `base` (and `baseURL`), the address of dist/
// (served by serve.mjs, one server per worker), and an automatic check that the test caused no console
// error and no uncaught exception on any page of its browser context. A test that causes errors
// on purpose declares them with `expectErrors(...)`; any other error fails it after it ends.
import { existsSync } from 'node:fs';
import { test as playwright, expect } from '@playwright/test';
import { serveDir } from './serve.mjs';

const EXPECTED = 'expected console error';

/**
 * Test details declaring the console errors a test causes on purpose, as patterns; an error
 * matching none of them still fails the test. `test(name, expectErrors(/lost/), async (...) => …)`.
 */
export function expectErrors(...patterns) {
  return { annotation: patterns.map((p) => ({ type: EXPECTED, description: String(p) })) };
}

export const test = playwright.extend({
  dist: [async ({}, use) => {
    if (!existsSync('dist/index.html')) throw new Error('dist/index.html is missing: run `trunk build --release` first');
    const server = await serveDir('dist');
    await use(`http://127.0.0.1:${server.address().port}/`);
    await new Promise((resolve) => server.close(resolve));
  }, { scope: 'worker' }],

  /** dist/'s address; also `baseURL`, so `page.goto('./?lang=en')` works. */
  base: async ({ dist }, use) => use(dist),
  baseURL: async ({ dist }, use) => use(dist),

  consoleErrors: [async ({ context }, use, testInfo) => {
    const errors = [];
    const onConsole = (m) => { if (m.type() === 'error') errors.push(m.text()); };
    const onError = (e) => errors.push(String(e.error()));
    context.on('console', onConsole);
    context.on('weberror', onError);
    await use(errors);
    context.off('console', onConsole);
    context.off('weberror', onError);
    const expected = testInfo.annotations.filter((a) => a.type === EXPECTED).map((a) => {
      const [, source, flags] = a.description.match(/^\/(.*)\/([a-z]*)$/s);
      return new RegExp(source, flags);
    });
    const unexpected = errors.filter((e) => !expected.some((re) => re.test(e)));
    if (errors.length > unexpected.length) {
      console.log(`  # ${errors.length - unexpected.length} expected console error(s): ${errors.filter((e) => !unexpected.includes(e)).join(' | ')}`);
    }
    if (unexpected.length) throw new Error(`console errors: ${unexpected.join(' | ')}`);
  }, { auto: true }],
});

export { expect };
