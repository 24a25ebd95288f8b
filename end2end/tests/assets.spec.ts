import { test, expect } from '@playwright/test';
import { waitForHydration } from './helpers';

test('the console loads its WASM brotli-compressed under a hashed name; the page is not cached', async ({
  page,
}) => {
  const wasm = page.waitForResponse((r) => /\/pkg\/muster\.[0-9a-f]{16}\.wasm$/.test(r.url()));
  const answer = await page.goto('/signin');
  expect(answer?.headers()['cache-control']).toBe('no-store');
  const headers = await (await wasm).allHeaders();
  expect(headers['content-encoding']).toBe('br');
  expect(headers['content-type']).toBe('application/wasm');
  expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  await waitForHydration(page);
});
