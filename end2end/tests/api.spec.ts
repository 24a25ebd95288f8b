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

test('automation pushes users to a Custom Identity Source through an import session, and the admin sees the session and its import', async ({
  page,
  playwright,
  baseURL,
}) => {
  await signIn(page);
  await page.goto('/apps');
  await waitForHydration(page);
  const name = uniqueName('HRIS');
  await page.getByLabel('Application type').selectOption({ label: 'Custom Identity Source' });
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Add app' }).click();
  await page.waitForURL(/\/apps\/0oa[0-9A-Za-z]+\/import$/);
  const source = new URL(page.url()).pathname.split('/')[2];
  await expect(page.getByRole('heading', { name: 'Import sessions' })).toBeVisible();
  await expect(page.getByText('No import sessions yet.')).toBeVisible();

  await page.getByRole('link', { name: 'API', exact: true }).click();
  await waitForHydration(page);
  await page.getByLabel('Token name').fill(uniqueName('hris sync'));
  await page.getByRole('button', { name: 'Create token' }).click();
  const value = (await page.locator('[data-token-value]').textContent())?.trim() ?? '';

  const script = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { Authorization: `SSWS ${value}`, Accept: 'application/json' },
  });
  const sessions = `/api/v1/identity-sources/${source}/sessions`;
  const opened = await script.post(sessions);
  expect(opened.status()).toBe(200);
  const session = await opened.json();
  expect(session.status).toBe('CREATED');
  const tag = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  const profiles = ['Ann', 'Bo', 'Cy'].map((first, i) => ({
    externalId: `${tag}-${i}`,
    profile: { userName: `${first.toLowerCase()}.${tag}@hris.example`, firstName: first, lastName: 'Pushed', email: `${first.toLowerCase()}.${tag}@hris.example` },
  }));
  const upserted = await script.post(`${sessions}/${session.id}/bulk-upsert`, { data: { entityType: 'USERS', profiles } });
  expect(upserted.status()).toBe(202);
  const started = await script.post(`${sessions}/${session.id}/start-import`);
  expect((await started.json()).status).toBe('TRIGGERED');
  await expect
    .poll(async () => (await (await script.get(`${sessions}/${session.id}`)).json()).status, { timeout: 30_000 })
    .toBe('COMPLETED');
  await script.dispose();

  await page.goto(`/apps/${source}/import`);
  await waitForHydration(page);
  const row = page.locator(`[data-session="${session.id}"]`);
  await expect(row).toContainText('COMPLETED');
  await expect(row.locator('td.num').first()).toHaveText('3');
  await row.getByRole('link', { name: 'View import' }).click();
  await expect(page.locator('.summary')).toContainText('3 users scanned');
  await page.goto(`/people?q=${encodeURIComponent(`ann.${tag}`)}`);
  await expect(page.getByRole('row').filter({ hasText: `ann.${tag}@hris.example` })).toContainText('ACTIVE');
});
