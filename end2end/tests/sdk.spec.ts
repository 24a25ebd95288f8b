import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { signIn, uniqueName, waitForHydration } from './helpers';

const run = promisify(execFile);

test("Okta's Python SDK imports 600 users and a group through a bulk import session, then reads users, apps, groups and the log", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signIn(page);
  await page.goto('/apps');
  await waitForHydration(page);
  const name = uniqueName('SDK source');
  await page.getByLabel('Application type').selectOption({ label: 'Custom Identity Source' });
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Add app' }).click();
  await page.waitForURL(/\/apps\/0oa[0-9A-Za-z]+\/import$/);
  const source = new URL(page.url()).pathname.split('/')[2];

  await page.getByRole('link', { name: 'API', exact: true }).click();
  await waitForHydration(page);
  await page.getByLabel('Token name').fill(uniqueName('python sdk'));
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('[data-token-value]').textContent())?.trim() ?? '';
  expect(token).toMatch(/^00[0-9A-Za-z]{40}$/);

  const tag = `sdk${Date.now().toString(36)}`;
  const python = process.env.MUSTER_SDK_PYTHON ?? 'python3';
  const { stdout } = await run(python, [path.join(__dirname, '..', 'sdk', 'bulk_import.py')], {
    env: {
      ...process.env,
      MUSTER_URL: baseURL ?? '',
      MUSTER_TOKEN: token,
      MUSTER_SOURCE: source,
      MUSTER_TAG: tag,
      MUSTER_USERS: '600',
    },
    timeout: 150_000,
  });
  const found = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  expect(found).toEqual({
    session: expect.stringMatching(/^aps/),
    status: 'COMPLETED',
    users: 600,
    distinct: 600,
    active: 600,
    pages: 4,
    triggeredEvents: 1,
    appAccounts: 5,
    groupMembers: 50,
  });

  // The OpenAPI document is valid, and the answers match it and Okta's own.
  const checked = await run(python, [path.join(__dirname, '..', 'sdk', 'openapi_check.py')], {
    env: { ...process.env, MUSTER_URL: baseURL ?? '', MUSTER_TOKEN: token, MUSTER_SOURCE: source },
    timeout: 60_000,
  });
  const report = JSON.parse(checked.stdout.trim());
  expect(report.checked).toBeGreaterThan(20);
  expect(report.againstOkta).toBeGreaterThan(10);

  await page.goto(`/apps/${source}/import`);
  const row = page.locator(`[data-session="${found.session}"]`);
  await expect(row).toContainText('COMPLETED');
  await expect(row.locator('td.num').first()).toHaveText('600');
  await expect(row.locator('td.num').nth(1)).toHaveText('5');
});
