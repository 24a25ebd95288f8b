import { test, expect } from '@playwright/test';
import { signIn, uniqueName, waitForHydration } from './helpers';

test('an admin creates an API token, a script reads the System Log with it, and a revoked token is refused', async ({
  page,
  playwright,
  baseURL,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'API', exact: true })).toBeVisible();
  await waitForHydration(page);
  const name = uniqueName('nightly sync');
  await page.getByLabel('Token name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('status')).toContainText(`Token ${name} created`);
  const value = (await page.locator('[data-token-value]').textContent())?.trim() ?? '';
  expect(value).toMatch(/^00[0-9A-Za-z]{40}$/);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('Never');

  // A script, with the token and no cookie.
  const script = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { Authorization: `SSWS ${value}`, Accept: 'application/json' },
  });
  const logs = await script.get(
    `/api/v1/logs?filter=${encodeURIComponent('eventType eq "system.api_token.create"')}&sortOrder=DESCENDING&limit=5`,
  );
  expect(logs.status()).toBe(200);
  expect(logs.headers()['x-okta-request-id']).toBeTruthy();
  expect(logs.headers()['x-rate-limit-remaining']).toBeTruthy();
  const events = await logs.json();
  expect(events[0].eventType).toBe('system.api_token.create');
  expect(events[0].target[0].displayName).toBe(name);
  const users = await script.get('/api/v1/users?limit=1');
  expect(users.status()).toBe(200);
  expect(users.headers()['link']).toContain('rel="self"');

  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: name })).not.toContainText('Never');
  await waitForHydration(page);
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toHaveCount(0);
  const refused = await script.get('/api/v1/users');
  expect(refused.status()).toBe(401);
  expect((await refused.json()).errorCode).toBe('E0000011');
  await script.dispose();
});
