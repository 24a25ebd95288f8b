import { test, expect } from '@playwright/test';
import { confirmSelected, createCsvApp, csv, dropFile, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

test('a two-line title from a quoted CSV field shows on two lines in the profile', async ({ page }) => {
  const tag = uniqueName('ml').toLowerCase();
  const mia = `mia.${tag}@example.com`;
  await signIn(page);
  await createCsvApp(page, `Sales ${tag}`);
  // Excel writes a cell with a line break as a quoted field holding an LF.
  await dropFile(page, '[data-testid=dropzone]', 'sales.csv', csv([
    ['login', 'firstName', 'lastName', 'email', 'title'],
    [mia, 'Mia', 'Wong', mia, 'Account\nManager'],
  ]));
  await expect(page.locator('.preview')).toContainText('1 users, 5 columns');
  // The preview shows the cell as it is, on two lines.
  await expect(page.locator('.preview-rows td', { hasText: 'Account' })).toHaveJSProperty('innerText', 'Account\nManager');
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('1 users scanned: 1 new');
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('1 users created');

  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  await expect(page.locator('table.people tbody tr')).toHaveCount(1);
  await page.getByRole('button', { name: `Profile of ${mia}` }).click();
  const profile = page.locator('dl.profile');
  const valueOf = (name: string) =>
    profile.locator(`xpath=dt[normalize-space()="${name}"]/following-sibling::dd[1]/*[1]`);
  const title = valueOf('title');
  const login = valueOf('login');
  await expect(title).toBeVisible();

  // What is shown is what is stored: the line break included.
  const shown = await title.evaluate((el) =>
    el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : (el as HTMLElement).innerText,
  );
  expect(shown).toBe('Account\nManager');
  await expect(title).toHaveAccessibleName('title');
  // And it takes two lines on screen, where a one-line value takes one.
  const titleBox = await title.boundingBox();
  const loginBox = await login.boundingBox();
  expect(titleBox && loginBox && titleBox.height > 1.6 * loginBox.height).toBeTruthy();
  await expect(login).toHaveValue(mia);
});
