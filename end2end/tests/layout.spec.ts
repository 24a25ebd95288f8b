import { test, expect, type Page } from '@playwright/test';
import { createCsvApp, csv, dropFile, signIn, uniqueName, waitForHydration } from './helpers';

/** Nothing on the page scrolls sideways but what sits in its own scroller. */
async function fitsSideways(page: Page): Promise<void> {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll, `${page.url()} is ${scroll}px wide in a ${width}px window`).toBeLessThanOrEqual(width);
}

/** An app with `n` users waiting in its import queue; returns its Import tab's URL. */
async function queued(page: Page, n: number): Promise<string> {
  const tag = uniqueName('layout').toLowerCase();
  await createCsvApp(page, `Field staff ${tag}`);
  const rows = [['login', 'firstName', 'lastName', 'email', 'department', 'title']];
  for (let i = 0; i < n; i++) {
    rows.push([`worker${i}.${tag}@example.com`, `Worker${i}`, 'Fieldstaff', `worker${i}.${tag}@example.com`, 'Operations', 'Site lead']);
  }
  await dropFile(page, '[data-testid=dropzone]', 'staff.csv', csv(rows));
  await expect(page.locator('.preview')).toContainText(`${n} users`);
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(n);
  return page.url();
}

/** A person added by hand, with their page open; returns its path. */
async function person(page: Page): Promise<string> {
  const tag = uniqueName('who').toLowerCase();
  await page.goto('/people');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add person' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add person' });
  await dialog.getByLabel('First name').fill('Lena');
  await dialog.getByLabel('Last name').fill(tag);
  await dialog.getByLabel('Username').fill(`lena.${tag}@example.com`);
  await dialog.getByLabel('Primary email').fill(`lena.${tag}@example.com`);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: 'Open their page' }).click();
  await expect(page.getByRole('heading', { name: `Lena ${tag}` })).toBeVisible();
  return new URL(page.url()).pathname;
}

test('at 390 px the header folds into a menu and no page scrolls sideways', async ({ page }, info) => {
  await signIn(page);
  const importTab = await queued(page, 3);
  const personPage = await person(page);
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/apps', '/people', '/logs', '/settings', personPage, new URL(importTab).pathname]) {
    await page.goto(path);
    await waitForHydration(page);
    await fitsSideways(page);
  }
  await page.screenshot({ path: info.outputPath('queue-390.png'), fullPage: true });
  await page.goto(personPage);
  await waitForHydration(page);
  await page.screenshot({ path: info.outputPath('person-390.png'), fullPage: true });
  await page.goto('/logs');
  await waitForHydration(page);
  await page.screenshot({ path: info.outputPath('system-log-390.png'), fullPage: true });

  const nav = page.locator('#main-nav');
  await expect(nav).toBeHidden();
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'People' }).click();
  await expect(page).toHaveURL(/\/people$/);
  await expect(nav).toBeHidden();
});

test('at 1,400 px the queue table fits its card, and the keyboard focus is always visible', async ({ page }, info) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await signIn(page);
  await queued(page, 3);
  await expect(page.getByRole('button', { name: 'Menu' })).toBeHidden();
  const [table, card] = await page.evaluate(() => {
    const t = document.querySelector('table.queue-rows') as HTMLElement;
    const c = t.closest('.card') as HTMLElement;
    return [t.scrollWidth, c.clientWidth];
  });
  expect(table).toBeLessThanOrEqual(card);
  await page.screenshot({ path: info.outputPath('queue-1400.png'), fullPage: true });
  await page.goto(await person(page));
  await waitForHydration(page);
  await fitsSideways(page);
  await page.screenshot({ path: info.outputPath('person-1400.png'), fullPage: true });
  await page.goto('/logs');
  await waitForHydration(page);
  await page.screenshot({ path: info.outputPath('system-log-1400.png'), fullPage: true });

  // Tab through the first controls: each shows an outline.
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return 'body';
      const style = getComputedStyle(el);
      return `${el.tagName} ${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline, `focus ${i}`).not.toMatch(/ none | 0px$/);
  }
});
