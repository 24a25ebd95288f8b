import { test, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'child_process';
import * as net from 'net';
import { confirmSelected, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

const TOKEN = 'journey-scim-token';

/** A free loopback port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface App {
  base: string;
  /** A request to the app with the token: its status and JSON. */
  send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

/**
 * A real scim2-server (MUSTER_SCIM_SERVER, which scripts/test sets) on a
 * loopback port, empty; stopped when `use` ends.
 */
async function withScimApp(use: (app: App) => Promise<void>): Promise<void> {
  const command = process.env.MUSTER_SCIM_SERVER;
  if (!command) throw new Error('MUSTER_SCIM_SERVER names the scim2-server command (scripts/test sets it)');
  const port = await freePort();
  const child: ChildProcess = spawn(
    command,
    ['--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', TOKEN],
    { stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${port}/v2`;
  const app: App = {
    base,
    async send(method, path, body) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
  };
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/ServiceProviderConfig`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 150 || child.exitCode !== null) throw new Error('scim2-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await use(app);
  } finally {
    child.kill('SIGTERM');
  }
}

async function createUser(app: App, login: string, given: string, family: string): Promise<string> {
  const { status, json } = await app.send('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: login,
    name: { givenName: given, familyName: family },
    emails: [{ value: login, primary: true }],
  });
  expect(status).toBe(201);
  return json.id;
}

/** Adds a SCIM app connected to `app` with its API integration saved. */
async function addScimApp(page: Page, name: string, app: App): Promise<void> {
  await page.goto('/apps');
  await waitForHydration(page);
  await page.getByLabel('Application type').selectOption('ScimApp');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Add app' }).click();
  await page.waitForURL(/\/provisioning\?settings=api$/);
  await waitForHydration(page);
  await page.getByLabel('Enable API integration').check();
  await page.getByLabel('Base URL').fill(app.base);
  await page.getByLabel('Token').fill(TOKEN);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
}

/** A new API token's value. */
async function apiToken(page: Page): Promise<string> {
  await page.goto('/security/api');
  await waitForHydration(page);
  await page.getByLabel('Token name').fill(uniqueName('journey'));
  await page.getByRole('button', { name: 'Create token' }).click();
  return ((await page.locator('[data-token-value]').textContent()) ?? '').trim();
}

test('a SCIM app is added, its API integration tested and saved, and its users and groups imported', async ({ page }) => {
  await withScimApp(async (app) => {
    const ann = await createUser(app, 'ann.scim@example.com', 'Ann', 'Scim');
    await createUser(app, 'bo.scim@example.com', 'Bo', 'Scim');
    const group = await app.send('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Helpdesk',
      members: [{ value: ann }],
    });
    expect(group.status).toBe(201);

    const name = uniqueName('Ticketing');
    await signIn(page);
    await page.getByRole('link', { name: 'Applications' }).click();
    await waitForHydration(page);
    await page.getByLabel('Application type').selectOption('ScimApp');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Add app' }).click();
    // A new SCIM app opens on its API Integration.
    await page.waitForURL(/\/apps\/0oa[0-9A-Za-z]+\/provisioning\?settings=api$/);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { name: 'API Integration' })).toBeVisible();
    await expect(page.getByLabel('Base URL')).toBeHidden();

    await page.getByLabel('Enable API integration').check();
    await page.getByLabel('Base URL').fill(app.base);
    // A wrong token: the step that failed says what the app answered.
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Test API Credentials' }).click();
    const result = page.getByTestId('connection-test');
    await expect(result).toContainText('The connection failed.');
    await expect(result.locator('li.failed')).toContainText('401');

    // The right one: what the app supports, and its first users.
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Test API Credentials' }).click();
    await expect(result).toContainText('The connection works.');
    await expect(result.locator('li.ok').first()).toContainText('Supports filtering');
    await expect(result.locator('table.found-users')).toContainText('ann.scim@example.com');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    // The token is not shown back, even after a reload.
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Token')).toHaveValue('');
    await expect(page.getByLabel('Token')).toHaveAttribute('placeholder', /Stored/);
    await expect(page.getByLabel('Import Groups')).toBeChecked();
    // Import User Schema: the app's attributes, its enterprise extension's too.
    await expect(page.getByText('Not imported yet.')).toBeVisible();
    await page.getByRole('button', { name: 'Import User Schema' }).click();
    await expect(page.getByTestId('user-schema')).toContainText('department');
    await expect(page.getByTestId('user-schema')).toContainText('name.givenName');

    // Import Now, then confirm: the app's users become people, its group theirs.
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await waitForHydration(page);
    await expect(page.getByRole('heading', { name: 'Import users from the app' })).toBeVisible();
    await page.getByRole('button', { name: 'Import Now' }).click();
    await expect(page.locator('.summary')).toContainText('2 users scanned');
    await expect(page.locator('.summary')).toContainText('1 group read: 1 new');
    await selectWholeQueue(page);
    await confirmSelected(page, true);
    await expect(page.getByText('No unconfirmed users.')).toBeVisible({ timeout: 30_000 });
    await page.goto('/groups?q=Helpdesk');
    await waitForHydration(page);
    await expect(page.locator('table.groups tbody tr').filter({ hasText: name })).toContainText('Helpdesk');

    // Clearing Import Groups asks first; Cancel keeps it, Continue and
    // Save remove the app's groups.
    await page.goto(`${new URL(page.url()).origin}/apps`);
    await waitForHydration(page);
    await page.getByRole('link', { name }).click();
    await page.getByRole('link', { name: 'Provisioning' }).click();
    await waitForHydration(page);
    await page.getByRole('link', { name: 'API Integration' }).click();
    await waitForHydration(page);
    const importGroups = page.getByLabel('Import Groups');
    // The click is undone until the admin says Continue.
    await importGroups.click();
    const dialog = page.getByRole('alertdialog', { name: 'Disable Import Groups' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(importGroups).toBeChecked();
    await importGroups.click();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(importGroups).not.toBeChecked();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await page.goto('/groups?q=Helpdesk');
    await waitForHydration(page);
    await expect(page.locator('table.groups tbody tr').filter({ hasText: name })).toHaveCount(0);
  });
});

test('a group and a person assigned to a SCIM app get accounts there, a change follows, and unassigning deactivates', async ({ page, request }) => {
  await withScimApp(async (hr) => {
    await withScimApp(async (wiki) => {
      // People and a group from one app…
      const ann = await createUser(hr, 'ann.push@example.com', 'Ann', 'Push');
      const bo = await createUser(hr, 'bo.push@example.com', 'Bo', 'Push');
      const groupName = uniqueName('Wiki Editors');
      expect((await hr.send('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: groupName,
        members: [{ value: ann }, { value: bo }],
      })).status).toBe(201);
      await signIn(page);
      const token = await apiToken(page);
      const hrName = uniqueName('HR');
      await addScimApp(page, hrName, hr);
      await page.getByRole('link', { name: 'Import', exact: true }).click();
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Import Now' }).click();
      await expect(page.locator('.summary')).toContainText('2 users scanned');
      await selectWholeQueue(page);
      await confirmSelected(page, true);
      await expect(page.getByText('No unconfirmed users.')).toBeVisible({ timeout: 30_000 });

      // …provisioned to another: To App on, the group assigned.
      const wikiName = uniqueName('Wiki');
      await addScimApp(page, wikiName, wiki);
      await page.getByRole('link', { name: 'To App' }).click();
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Edit' }).click();
      for (const option of ['Create Users', 'Update User Attributes', 'Deactivate Users']) {
        await page.getByLabel(option).check();
      }
      await page.getByRole('button', { name: 'Save' }).click();
      await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
      await page.getByRole('link', { name: 'Assignments' }).click();
      await waitForHydration(page);
      const assignments = page.url();
      await page.getByLabel('Assign to Groups').selectOption({ label: `${groupName} (${hrName})` });
      await page.getByRole('button', { name: 'Assign group' }).click();
      const people = page.locator('table.assigned-people tbody tr');
      await expect(people).toHaveCount(2);
      // The accounts appear in the app.
      await expect.poll(async () => (await wiki.send('GET', '/Users')).json.totalResults, { timeout: 20_000 }).toBe(2);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(people.filter({ hasText: 'ann.push@example.com' }).locator('td.account')).toContainText('Active');

      // A person made in Muster, assigned directly, then changed through
      // the API: the change arrives.
      await page.goto('/people');
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Add person' }).click();
      const add = page.getByRole('dialog', { name: 'Add person' });
      await add.getByLabel('First name').fill('Cy');
      await add.getByLabel('Last name').fill('Push');
      await add.getByLabel('Username').fill('cy.push@example.com');
      await add.getByLabel('Primary email').fill('cy.push@example.com');
      await add.getByLabel(/Activate now/).check();
      await add.getByRole('button', { name: 'Save' }).click();
      await expect(add).toBeHidden();
      await page.goto(assignments);
      await waitForHydration(page);
      await page.getByLabel('Assign to People').fill('cy.push@example.com');
      await page.getByRole('button', { name: 'Assign', exact: true }).click();
      await expect(people).toHaveCount(3);
      const cyInApp = async () => {
        const list = await wiki.send('GET', `/Users?filter=${encodeURIComponent('userName eq "cy.push@example.com"')}`);
        return list.json.Resources?.[0];
      };
      await expect.poll(async () => (await cyInApp())?.name?.familyName, { timeout: 20_000 }).toBe('Push');
      const cy = people.filter({ hasText: 'cy.push@example.com' });
      const cyId = (await cy.getByRole('link').getAttribute('href'))!.split('/').pop();
      const changed = await request.post(`/api/v1/users/${cyId}`, {
        headers: { authorization: `SSWS ${token}` },
        data: { profile: { lastName: 'Pushed' } },
      });
      expect(changed.ok()).toBeTruthy();
      await expect.poll(async () => (await cyInApp())?.name?.familyName, { timeout: 20_000 }).toBe('Pushed');

      // Unassigned: active false in the app.
      await cy.getByRole('button', { name: 'Unassign' }).click();
      await expect.poll(async () => (await cyInApp())?.active, { timeout: 20_000 }).toBe(false);

      // Cy's page lists the app, and the account there deactivated.
      await page.goto(`/people/${cyId}`);
      await expect(async () => {
        await page.reload();
        const apps = page.locator('table.person-apps');
        await expect(apps).toContainText(wikiName, { timeout: 1_000 });
        await expect(apps).toContainText('Deactivated', { timeout: 1_000 });
      }).toPass({ timeout: 15_000 });
    });
  });
});
