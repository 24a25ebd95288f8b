import { test, expect, type Page } from '@playwright/test';
import { appPath, createCsvApp, importRows, signIn, uniqueName, waitForHydration } from './helpers';

const HEADER = ['login', 'firstName', 'lastName', 'email'];
const PERCENT = "Percentage of the app's users an import may remove";

async function openProvisioning(page: Page, app: string): Promise<void> {
  await page.goto(`${app}/provisioning`);
  await waitForHydration(page);
}

test('a number field says what is wrong with it at the field; Cancel clears it, Enter saves', async ({ page }) => {
  await signIn(page);
  await createCsvApp(page, `Numbers ${uniqueName('num')}`);
  const app = appPath(page);
  await openProvisioning(page, app);
  const general = page.locator('[data-section=general]');
  await general.getByRole('button', { name: 'Edit' }).click();
  const percent = general.getByLabel(PERCENT);
  const error = general.locator('#app-safeguard-percent-error');

  await percent.fill('-3');
  await expect(error).toHaveText('-3 is negative: enter a positive whole number');
  await expect(percent).toHaveAttribute('aria-invalid', 'true');
  await percent.fill('1.5');
  await expect(error).toHaveText('1.5 is not a whole number: enter a number without a fraction');
  await percent.fill('');
  await expect(error).toHaveText('Enter a number');
  // Save is refused while the field holds no number.
  await general.getByRole('button', { name: 'Save' }).click();
  await expect(general.locator('p.error')).toContainText('Correct the fields');
  await expect(general.getByRole('button', { name: 'Cancel' })).toBeVisible();

  await general.getByRole('button', { name: 'Cancel' }).click();
  await expect(error).toHaveCount(0);
  await expect(general.locator('dl')).toContainText('Enabled: 20%');
  await general.getByRole('button', { name: 'Edit' }).click();
  await expect(error).toHaveCount(0);
  await expect(percent).toHaveValue('20');

  // A good value saves on Enter, and the error is gone.
  await percent.fill('1.5');
  await expect(error).toBeVisible();
  await percent.fill('35');
  await expect(error).toHaveCount(0);
  await percent.press('Enter');
  await expect(general.getByRole('button', { name: 'Edit' })).toBeVisible();
  await expect(general.locator('dl')).toContainText('Enabled: 35%');
});

test('settings naming an attribute the source lacks are refused with the known ones; dependent controls say why they are off', async ({ page }) => {
  const tag = uniqueName('attr').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Attributes ${tag}`);
  const app = appPath(page);
  await importRows(page, 'attrs.csv', [HEADER, [`ann.${tag}@example.com`, 'Ann', 'Lee', `ann.${tag}@example.com`]]);
  await openProvisioning(page, app);

  const general = page.locator('[data-section=general]');
  await general.getByRole('button', { name: 'Edit' }).click();
  await expect(general.getByTestId('known-attributes')).toContainText('login, firstName, lastName, email');
  await general.getByLabel('Muster username format').selectOption('Attribute');
  await general.getByLabel('Attribute or expression').fill('emplid');
  await general.getByRole('button', { name: 'Save' }).click();
  await expect(general.getByRole('alert')).toContainText('Username format: the app\'s source has no attribute "emplid"');
  await expect(general.getByRole('alert')).toContainText('login, firstName, lastName, email');
  await general.getByRole('button', { name: 'Cancel' }).click();
  await expect(general.getByRole('alert')).toHaveCount(0);
  await expect(general.locator('dl')).toContainText('Source attribute: login');

  const matching = page.locator('[data-section=matching]');
  await matching.getByRole('button', { name: 'Edit' }).click();
  const autoPartial = matching.getByLabel('Auto-confirm partial matches');
  await expect(autoPartial).toBeDisabled();
  await expect(matching).toContainText('Needs "Allow partial matches"');
  await expect(matching.getByLabel('Auto-activate new users')).toBeDisabled();
  await matching.getByLabel('Allow partial matches').check();
  await expect(autoPartial).toBeEnabled();
  await autoPartial.check();
  // Turning partial matching off again turns its auto-confirm off with it.
  await matching.getByLabel('Allow partial matches').uncheck();
  await expect(autoPartial).not.toBeChecked();
  await matching.getByLabel('The following attribute matches').check();
  await expect(matching.getByLabel('Email matches')).toBeDisabled();
  await expect(matching).toContainText('Off while an attribute is chosen below');
  await matching.getByLabel('Attribute to match on').fill('employeeNumber');
  await matching.getByRole('button', { name: 'Save' }).click();
  await expect(matching.getByRole('alert')).toContainText('User matching: the app\'s source has no attribute "employeeNumber"');
});

test("a second tab's Save is refused as out of date with what changed, instead of undoing the first", async ({ page, context }) => {
  await signIn(page);
  await createCsvApp(page, `Two tabs ${uniqueName('tabs')}`);
  const app = appPath(page);
  await openProvisioning(page, app);
  const other = await context.newPage();
  await openProvisioning(other, app);

  const first = page.locator('[data-section=general]');
  const second = other.locator('[data-section=general]');
  await first.getByRole('button', { name: 'Edit' }).click();
  await second.getByRole('button', { name: 'Edit' }).click();
  await first.getByLabel(PERCENT).fill('35');
  await first.getByRole('button', { name: 'Save' }).click();
  await expect(first.locator('dl')).toContainText('Enabled: 35%');

  await second.getByLabel(PERCENT).fill('40');
  await second.getByRole('button', { name: 'Save' }).click();
  await expect(second.getByRole('alert')).toContainText('out of date');
  await expect(second.getByRole('alert')).toContainText('safeguard.percent: 20 → 35');
  // Cancel shows what is saved now; the first tab's change stands.
  await second.getByRole('button', { name: 'Cancel' }).click();
  await expect(second.locator('dl')).toContainText('Enabled: 35%');
  await other.close();
  await page.reload();
  await waitForHydration(page);
  await expect(first.locator('dl')).toContainText('Enabled: 35%');
});

test('an app is renamed, a name another app has is refused, and a deactivated app is deleted with what that does to its accounts', async ({ page }) => {
  const tag = uniqueName('life').toLowerCase();
  await signIn(page);
  const taken = `Payroll ${tag}`;
  await createCsvApp(page, taken);
  await createCsvApp(page, `Ledger ${tag}`);
  const app = appPath(page);
  await importRows(page, 'ledger.csv', [
    HEADER,
    [`ann.${tag}@example.com`, 'Ann', 'Lee', `ann.${tag}@example.com`],
    [`bob.${tag}@example.com`, 'Bob', 'Ray', `bob.${tag}@example.com`],
  ]);

  // Adding an app of a name in use, in another case, is refused.
  await page.goto('/apps');
  await waitForHydration(page);
  await page.getByLabel('Name', { exact: true }).fill(taken.toUpperCase());
  await page.getByRole('button', { name: 'Add app' }).click();
  await expect(page.getByRole('alert')).toContainText(`an app named "${taken}" already exists`);

  await page.goto(app);
  await waitForHydration(page);
  const settings = page.locator('[data-section=app-settings]');
  await settings.getByRole('button', { name: 'Edit' }).click();
  const label = settings.getByLabel('Application label');
  await label.fill(taken.toLowerCase());
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(settings.getByRole('alert')).toContainText('already exists');
  await label.fill(`General Ledger ${tag}`);
  await label.press('Enter');
  await expect(page.locator('h1')).toHaveText(`General Ledger ${tag}`);
  await expect(settings.locator('dl')).toContainText(`General Ledger ${tag}`);

  // Delete waits for deactivation, which stops imports.
  const status = page.locator('[data-section=app-status]');
  await expect(status.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await expect(status).toContainText('Deactivate the app before deleting it');
  await status.getByRole('button', { name: 'Deactivate' }).click();
  await expect(settings.locator('dl')).toContainText('INACTIVE');
  await status.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete app' });
  await expect(dialog).toContainText(`Delete General Ledger ${tag}? It holds 2 accounts: they are unlinked from their Muster users`);
  await expect(dialog).toContainText('The people stay in the directory.');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/apps$/);
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  await expect(page.locator('table.apps tbody tr')).toHaveCount(1);
  await expect(page.locator('table.apps')).toContainText(taken);
  await expect(page.locator('table.apps')).not.toContainText('Ledger');
});

test('unsaved edits ask before the page is left', async ({ page }) => {
  await signIn(page);
  await createCsvApp(page, `Unsaved ${uniqueName('leave')}`);
  const app = appPath(page);
  await openProvisioning(page, app);
  const general = page.locator('[data-section=general]');
  await general.getByRole('button', { name: 'Edit' }).click();
  await general.getByLabel(PERCENT).fill('30');

  // A link inside the console asks; staying keeps the edit.
  const asked: string[] = [];
  page.on('dialog', async (d) => {
    asked.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  await page.locator('nav.tabs').getByRole('link', { name: 'Import' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain('confirm: You have unsaved changes');
  await expect(page).toHaveURL(/\/provisioning$/);
  await expect(general.getByLabel(PERCENT)).toHaveValue('30');

  // Leaving the page (closing it here) asks the browser's question.
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked.length).toBe(2);
  expect(asked[1]).toMatch(/^beforeunload/);
  expect(page.isClosed()).toBe(false);

  // Once saved, nothing is asked.
  await general.getByLabel(PERCENT).press('Enter');
  await expect(general.locator('dl')).toContainText('Enabled: 30%');
  await page.locator('nav.tabs').getByRole('link', { name: 'Import' }).click();
  await expect(page).toHaveURL(/\/import$/);
  expect(asked.length).toBe(2);
});
