import { test, expect } from '@playwright/test';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ADMIN, createCsvApp, importAndConfirm, signIn, uniqueName, waitForHydration } from './helpers';

test('a misspelt field in a filter is an error naming it, not "No events match"', async ({ page }) => {
  await signIn(page);
  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventtype eq "application.lifecycle.create"');
  await page.getByRole('button', { name: 'Apply' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Unknown field eventtype');
  await expect(alert).toContainText('Did you mean eventType?');
  await expect(page.getByText('No events match.')).toHaveCount(0);
});

test('the filter and range are in the URL: Back returns to the last view, a reload keeps it, and Download CSV has what matches', async ({ page }) => {
  const name = uniqueName('Audit');
  await signIn(page);
  await createCsvApp(page, name);
  await page.goto('/logs');
  await waitForHydration(page);

  await page.getByLabel('Filter').fill('eventType eq "application.lifecycle.create"');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/filter=eventType%20eq%20%22application\.lifecycle\.create%22/);
  await expect(page.locator('tbody.event').first()).toContainText(name);
  await expect(page.locator('tbody.event[data-event-type="user.session.start"]')).toHaveCount(0);
  // The count and the histogram agree with each other.
  const counted = Number((await page.getByTestId('log-count').textContent())!.replace(/[^0-9]/g, ''));
  expect(counted).toBeGreaterThanOrEqual(1);
  const bars = await page.locator('.histogram .bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
  expect(bars).toHaveLength(24);
  expect(bars.reduce((a, b) => a + b, 0)).toBe(counted);
  expect(bars[23]).toBeGreaterThanOrEqual(1);

  await page.getByLabel('Time range').selectOption('1h');
  await expect(page).toHaveURL(/range=1h/);
  await expect(page.locator('tbody.event').first()).toContainText(name);

  // A shared link opens the same view; Back goes to the view before.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Filter')).toHaveValue('eventType eq "application.lifecycle.create"');
  await expect(page.getByLabel('Time range')).toHaveValue('1h');
  await page.goBack();
  await expect(page).not.toHaveURL(/range=1h/);
  await expect(page.getByLabel('Filter')).toHaveValue('eventType eq "application.lifecycle.create"');
  await page.goBack();
  await expect(page.getByLabel('Filter')).toHaveValue('');
  await expect(page.locator('tbody.event[data-event-type="user.session.start"]').first()).toBeVisible();
  await page.goForward();
  await expect(page.getByLabel('Filter')).toHaveValue('eventType eq "application.lifecycle.create"');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download CSV' }).click();
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toBe('published,eventType,severity,actor,displayMessage,outcome,targets,uuid');
  expect(lines.slice(1).every((l) => l.includes(',application.lifecycle.create,'))).toBe(true);
  expect(csv).toContain(name);
});

test('the log pages both ways, and each page is in the URL', async ({ page }) => {
  const tag = uniqueName('pg').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Paging ${tag}`);
  const rows = [['login', 'firstName', 'lastName', 'email']];
  for (let n = 0; n < 60; n++) {
    const login = `p${String(n).padStart(2, '0')}.${tag}@example.com`;
    rows.push([login, `P${n}`, tag, login]);
  }
  await importAndConfirm(page, 'paging.csv', rows);

  await page.goto(`/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.create"')}&q=${tag}&range=1h`);
  await waitForHydration(page);
  const events = page.locator('tbody.event');
  await expect(page.getByTestId('log-count')).toHaveText('60 events match');
  await expect(events).toHaveCount(50);
  const newest = await events.first().textContent();
  await expect(page.getByRole('button', { name: 'Newer events' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Older events' }).click();
  await expect(page).toHaveURL(/[?&]older=\d+/);
  await expect(events).toHaveCount(10);
  await expect(page.getByRole('button', { name: 'Older events' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Newer events' }).click();
  await expect(page).toHaveURL(/[?&]newer=\d+/);
  await expect(events).toHaveCount(50);
  await expect(events.first()).toHaveText(newest!);
  await expect(page.getByRole('button', { name: 'Newer events' })).toHaveCount(0);
  // Back returns to the older page; a reload keeps it.
  await page.goBack();
  await expect(events).toHaveCount(10);
  await page.reload();
  await waitForHydration(page);
  await expect(events).toHaveCount(10);
});

test.describe('in Tokyo', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test('times show in the admin\'s time zone with the UTC value on hover', async ({ page }) => {
    await signIn(page);
    await page.goto('/logs?filter=eventType%20eq%20%22user.session.start%22');
    await waitForHydration(page);
    const time = page.locator('tbody.event').first().locator('time');
    // Tokyo is nine hours ahead of UTC all year.
    await expect(time).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+09:00$/);
    const utc = await time.getAttribute('title');
    const datetime = await time.getAttribute('datetime');
    expect(utc).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const shown = (await time.textContent())!.replace(' UTC+09:00', 'Z').replace(' ', 'T');
    const hover = utc!.replace(' UTC', 'Z').replace(' ', 'T');
    expect(Date.parse(shown) - Date.parse(hover)).toBe(9 * 3600 * 1000);
    // The hover shows whole seconds of the exact moment.
    expect(Math.floor(Date.parse(datetime!) / 1000) * 1000).toBe(Date.parse(hover));
  });

  test('a custom range is picked in the admin\'s time zone and kept in UTC in the URL', async ({ page }) => {
    await signIn(page);
    await page.goto('/logs?filter=eventType%20eq%20%22user.session.start%22');
    await waitForHydration(page);
    await page.getByLabel('Time range').selectOption('custom');
    await expect(page).toHaveURL(/range=custom&from=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\dZ/);
    // It starts as the last 24 hours, so the sign-in just now is in it.
    await expect(page.getByLabel('From')).not.toHaveValue('');
    await expect(page.locator('tbody.event').first()).toBeVisible();

    await page.getByLabel('From').fill('2020-01-01T09:00');
    await expect(page).toHaveURL(/from=2020-01-01T00%3A00%3A00Z/);
    await page.getByLabel('To').fill('2020-01-02T09:00');
    await expect(page).toHaveURL(/to=2020-01-02T00%3A00%3A00Z/);
    await expect(page.getByText('No events match.')).toBeVisible();
    await expect(page.getByTestId('log-count')).toHaveText('0 events match');
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('From')).toHaveValue('2020-01-01T09:00');
    await expect(page.getByLabel('Time range')).toHaveValue('custom');

    // A range that ends before it starts says so.
    await page.getByLabel('To').fill('2019-12-31T09:00');
    await expect(page.getByRole('alert')).toContainText('The custom range ends (2019-12-31 00:00 UTC) before it starts (2020-01-01 00:00 UTC)');
  });
});

/**
 * A Muster of its own (MUSTER_BIN, which scripts/test sets) in an empty
 * directory, with a System Log search budget of `budget` events; stopped
 * when `use` ends.
 */
async function withOwnMuster(budget: number, use: (url: string) => Promise<void>): Promise<void> {
  const bin = process.env.MUSTER_BIN;
  if (!bin) throw new Error('MUSTER_BIN names the muster binary (scripts/test sets it)');
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-e2e-'));
  const server = spawn(bin, [], {
    cwd: dir,
    stdio: 'ignore',
    env: {
      MUSTER_ADDR: `127.0.0.1:${port}`,
      MUSTER_ADMIN_USERNAME: ADMIN.username,
      MUSTER_ADMIN_PASSWORD: ADMIN.password,
      MUSTER_LOG_SCAN_EVENTS: String(budget),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await expect
      .poll(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status, { timeout: 30_000 })
      .toBe(200);
    await use(url);
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a search that reads its whole budget says its results are partial and how to go on', async ({ browser }) => {
  await withOwnMuster(2, async (url) => {
    // Three sign-ins: three events, none of them by someone else.
    let page = await browser.newPage();
    for (let i = 0; i < 3; i++) {
      await page.close();
      page = await browser.newPage();
      await page.goto(`${url}/signin`);
      await waitForHydration(page);
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.includes('/signin'));
    }
    await page.goto(`${url}/logs?range=all`);
    await waitForHydration(page);
    await page.getByLabel('Filter').fill('actor.alternateId eq "someone.else"');
    await page.getByRole('button', { name: 'Apply' }).click();
    const partial = page.getByTestId('log-partial');
    await expect(partial).toContainText('The search read 2 events');
    await expect(partial).toContainText('the results are partial. Narrow the time range to search it all, or go on with Older events.');
    // Going on reads the rest: nothing matches, and the search is whole.
    await page.getByRole('button', { name: 'Older events' }).click();
    await expect(page.getByText('No events match.')).toBeVisible();
    await expect(partial).toHaveCount(0);
    await page.close();
  });
});
