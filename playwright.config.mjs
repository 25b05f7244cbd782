// The one JS test runner: `npx playwright test` (all projects) or `--project cpu|lesson|webgpu|
// shipped`, `-g "part of a title"`. Browser tests use the system Chromium (helpers.mjs): nothing
// downloads a browser. They serve dist/ (`trunk build --release` first) with tests/e2e/serve.mjs;
// screenshots land in test-artifacts/. Every browser test fails on a console error it did not
// declare (tests/e2e/fixtures.mjs). Serial: the tests are heavy and the machines small.
import { defineConfig } from '@playwright/test';
import { launchOptions } from './tests/e2e/helpers.mjs';

export default defineConfig({
  testDir: 'tests',
  outputDir: 'test-artifacts/playwright',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  reporter: [['list'], ['./tests/e2e/count-reporter.mjs']],
  use: {
    browserName: 'chromium',
    launchOptions: launchOptions(),
    viewport: { width: 1000, height: 1100 },
  },
  projects: [
    {
      // the page on the CPU backend, on each wasm build (builds.spec.mjs)
      name: 'cpu',
      testMatch: ['e2e/page.spec.mjs', 'e2e/builds.spec.mjs'],
      timeout: 300_000,
    },
    {
      // the lesson page, shipped weights and real wasm (was tests/e2e/lesson.mjs), the page
      // against the catalog it is built from (catalog.spec.mjs), and against hostile or unlucky
      // input: far links, bad attributes, removal mid-load, failed downloads (hardening.spec.mjs),
      // the widgets on course pages pθ did not write (embed.spec.mjs), and <ptheta-quiz> on a
      // course page that is not the lesson (quiz.spec.mjs), the digits as a grid of images with
      // the pixel inspector (digits.spec.mjs), and the build's two outputs for
      // others: the site for a static host (dist.spec.mjs) and the npm package (pkg.spec.mjs)
      name: 'lesson',
      testMatch: ['e2e/lesson.spec.mjs', 'e2e/digits.spec.mjs', 'e2e/catalog.spec.mjs', 'e2e/hardening.spec.mjs', 'e2e/embed.spec.mjs', 'e2e/quiz.spec.mjs', 'e2e/dist.spec.mjs', 'e2e/pkg.spec.mjs'],
      timeout: 300_000,
      use: { viewport: { width: 1280, height: 1000 }, locale: 'en-US' },
    },
    {
      // the WebGPU backend on SwiftShader, able to present WebGPU canvases (webgpu.spec.mjs), and
      // the browsers without those flags (webgpu-compute-only, webgpu-absent); was webgpu.mjs
      name: 'webgpu',
      testMatch: 'e2e/webgpu*.spec.mjs',
      timeout: 600_000,
      use: { launchOptions: launchOptions({ webgpu: true, present: true }) },
    },
    {
      // every shipped weights file is listed and its recorded figures reproduce (no browser;
      // was tests/shipped.mjs)
      name: 'shipped',
      testMatch: 'shipped.spec.mjs',
      timeout: 600_000,
    },
  ],
});
