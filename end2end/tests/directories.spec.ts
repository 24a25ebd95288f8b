import { test, expect, type Page } from '@playwright/test';
import { spawn } from 'child_process';
import * as readline from 'readline';
import { confirmSelected, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

interface Directory {
  port: number;
  tls_port: number;
  ca_pem: string;
  bind_dn: string;
  bind_password: string;
  people: string;
  groups: string;
}

/**
 * A real slapd shaped as `shape` ('ad' or 'openldap') with `n` people, from
 * the testkit's slapd-fixture (MUSTER_SLAPD_FIXTURE, which scripts/test
 * sets); stopped when `use` ends.
 */
async function withDirectory(shape: string, n: number, use: (d: Directory) => Promise<void>): Promise<void> {
  const fixture = process.env.MUSTER_SLAPD_FIXTURE;
  if (!fixture) throw new Error('MUSTER_SLAPD_FIXTURE names the slapd-fixture binary (scripts/test sets it)');
  const child = spawn(fixture, [shape, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`slapd-fixture exited (${code})`)));
    });
    await use(JSON.parse(first) as Directory);
  } finally {
    child.stdin!.end();
    child.kill('SIGTERM');
  }
}

async function fillConnection(page: Page, d: Directory, password: string): Promise<void> {
  await page.getByLabel('Host').fill('127.0.0.1');
  await page.getByLabel('Security').selectOption('Ldaps');
  await page.getByLabel('Port', { exact: true }).fill(String(d.tls_port));
  await page.getByLabel('CA certificate (PEM)').fill(d.ca_pem);
  await page.getByLabel('Bind DN').fill(d.bind_dn);
  await page.getByLabel('Bind password').fill(password);
  await page.getByLabel("Users' base DN").fill(d.people);
  await page.getByLabel('Import groups').check();
  await page.getByLabel("Groups' base DN").fill(d.groups);
}

test('an Active Directory is added, tested, imported, confirmed and found, and its imports are in the System Log', async ({ page }) => {
  await withDirectory('ad', 12, async (d) => {
    const name = uniqueName('Corp AD');
    await signIn(page);
    await page.getByRole('link', { name: 'Directory Integrations' }).click();
    await expect(page.getByRole('heading', { name: 'Directory Integrations' })).toBeVisible();
    await waitForHydration(page);
    await page.getByLabel('Directory type').selectOption('ActiveDirectory');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Add directory' }).click();
    await page.waitForURL(/\/apps\/0oa[0-9A-Za-z]+\/provisioning$/);
    await waitForHydration(page);

    // A wrong password: the bind step says what the server said.
    await fillConnection(page, d, 'not-the-password');
    await page.getByRole('button', { name: 'Test Connection' }).click();
    const result = page.getByTestId('connection-test');
    await expect(result).toContainText('The connection failed.');
    await expect(result.locator('li.failed')).toContainText('invalid credentials (49)');
    await expect(result.locator('li.ok')).toHaveCount(2);

    // The right one: every step, and the first users found.
    await page.getByLabel('Bind password').fill(d.bind_password);
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await expect(result).toContainText('The connection works.');
    await expect(result.locator('li.ok')).toHaveCount(4);
    await expect(result.locator('table.found-users')).toContainText('@corp.example.com');
    await page.getByRole('button', { name: 'Save', exact: true }).first().click();
    await expect(page.getByText('Saved.')).toBeVisible();
    // The password is not shown back, even after a reload.
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Bind password')).toHaveValue('');
    await expect(page.getByLabel('Bind password')).toHaveAttribute('placeholder', /Stored/);

    // Import Now (the first incremental runs in full), then confirm.
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Import Now' }).click();
    await expect(page.locator('.summary')).toContainText('12 users scanned');
    await expect(page.locator('.summary')).toContainText('2 groups read: 2 new');
    await selectWholeQueue(page);
    await expect(page.getByTestId('selection-count')).toHaveText('11 selected');
    await confirmSelected(page, true);
    await expect(page.getByText('No unconfirmed users.')).toBeVisible({ timeout: 30_000 });

    // An incremental import now reads nothing new.
    await page.getByRole('button', { name: 'Import Now' }).click();
    await expect(page.locator('.summary')).toContainText('0 users scanned');

    await page.goto('/people?q=sam3%40corp');
    await waitForHydration(page);
    await page.getByRole('link', { name: /First3 Last3/ }).click();
    // Real-Time Sync read them from the directory as the page opened.
    await expect(page.getByTestId('sync-note')).toContainText(`Read from ${name} just now: the profile is up to date.`);
    // Their groups, from the directory.
    const groups = page.locator('ul.person-groups');
    await expect(groups.getByRole('link')).toHaveText(['Finance', 'VPN Users']);
    await expect(groups).toContainText(`from ${name}`);
    await groups.getByRole('link', { name: 'VPN Users' }).click();
    await expect(page.getByRole('heading', { name: 'VPN Users' })).toBeVisible();
    // sam0, sam3, sam6 and sam9, who is disabled in the directory and so
    // linked to nobody.
    const members = page.locator('table.members tbody tr');
    await expect(members).toHaveCount(4);
    await expect(members.filter({ hasText: 'Not linked to a person' })).toContainText('sam9@corp.example.com');
    await expect(members.first().getByRole('link')).toHaveText('First0 Last0');
    await page.goto('/groups?q=fin');
    await waitForHydration(page);
    const finance = page.locator('table.groups tbody tr').filter({ hasText: name });
    await expect(finance).toHaveCount(1);
    await expect(finance).toContainText('Finance');
    await expect(finance.locator('td.num')).toHaveText('6');

    // The directory is listed among Directory Integrations.
    await page.goto('/directories');
    await expect(page.locator('table.apps tbody tr').filter({ hasText: name })).toContainText('Active Directory');

    await page.goto(
      '/logs?range=all&filter=' +
        encodeURIComponent('eventType eq "system.import.start" and debugContext.debugData.importType eq "INCREMENTAL"'),
    );
    await waitForHydration(page);
    await expect(page.locator('tbody.event').filter({ hasText: name })).toHaveCount(1);
  });
});
