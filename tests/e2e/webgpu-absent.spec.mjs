// The page in Chromium without --enable-unsafe-webgpu; part of `npx playwright test --project
// webgpu`.
import { test } from './fixtures.mjs';
import { assert, launchOptions } from './helpers.mjs';

test.use({ launchOptions: launchOptions() });

// Without --enable-unsafe-webgpu Chromium grants no adapter.
test('without WebGPU: auto gives the CPU with the reason, "webgpu" is a clear error', async ({ page }) => {
  await page.goto('./');
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const r = await page.evaluate(async () => {
    const { createChain } = await import('/js/backend.js');
    const bytes = new Uint8Array(await (await fetch('weights/moons-epsilon.safetensors')).arrayBuffer());
    const auto = await createChain(bytes, { steps: 5, samples: 16 });
    let error = '';
    try {
      await createChain(bytes, { steps: 5, samples: 16, backend: 'webgpu' });
    } catch (e) {
      error = e.message;
    }
    return { backend: auto.backend, reason: auto.fallbackReason, error };
  });
  assert(r.backend === 'cpu' && /no WebGPU adapter/.test(r.reason), JSON.stringify(r));
  assert(/backend 'webgpu' was asked for, but no WebGPU adapter/.test(r.error), r.error);
});
