import { test, expect, type Page } from '@playwright/test';
import {
  appPath,
  confirmSelected,
  createCsvApp,
  importAndConfirm,
  importRows,
  selectWholeQueue,
  signIn,
  uniqueName,
  waitForHydration,
} from './helpers';

const HEADER = ['login', 'firstName', 'lastName', 'email'];

test('the queue refuses to give a person a second account in an app, names who holds it, and can unlink it', async ({ page }) => {
  const tag = uniqueName('one').toLowerCase();
  const ann = `ann.${tag}`;
  const bob = `bob.${tag}`;
  const dan = `dan.${tag}`;
  const carl = `carl.${tag}`;
  await signIn(page);
  await createCsvApp(page, `HR ${tag}`);
  const person = (login: string, first: string, last: string) => [login, first, `${last}${tag}`, `${login}@example.com`];
  await importAndConfirm(page, 'hr.csv', [HEADER, person(ann, 'Ann', 'Lee'), person(bob, 'Bob', 'Ray'), person(dan, 'Dan', 'Fox')]);
  // Dan leaves HR (deactivated); Carl joins and waits in the queue.
  await importRows(page, 'hr.csv', [HEADER, person(ann, 'Ann', 'Lee'), person(bob, 'Bob', 'Ray'), person(carl, 'Carl', 'Day')]);
  const row = page.locator('.queue-rows tbody tr').filter({ hasText: carl });
  await expect(row).toContainText('New');

  // The search shows each person's status and app accounts, and leaves out
  // deactivated people unless asked.
  await row.getByLabel(`Action for ${carl}`).selectOption('SEARCH');
  await row.getByLabel(`Find a user for ${carl}`).fill(tag);
  const results = row.locator('.search-results li');
  const annResult = results.filter({ hasText: `Ann Lee${tag}` });
  await expect(annResult).toContainText('ACTIVE');
  await expect(annResult).toContainText(`Apps: HR ${tag}: ${ann}`);
  await expect(results.filter({ hasText: `Bob Ray${tag}` })).toBeVisible();
  await expect(results.filter({ hasText: `Dan Fox${tag}` })).toHaveCount(0);
  await row.getByLabel('Include deactivated people').check();
  await expect(results.filter({ hasText: `Dan Fox${tag}` })).toContainText('DEPROVISIONED');

  // Ann has her own HR account: linking Carl's account to her is refused.
  await annResult.getByRole('button').click();
  await expect(row.getByRole('alert')).toContainText(
    `Ann Lee${tag} (${ann}) already has an account in HR ${tag}: ${ann} (external id ${ann}). A person has one account per app.`,
  );
  await expect(row.locator('.chosen')).toHaveCount(0);

  // Unlinking her HR account frees her; the row is then linked to her.
  await row.getByRole('button', { name: `Unlink ${ann} from Ann Lee${tag}` }).click();
  await expect(page.locator('.queue-rows tbody tr').filter({ hasText: carl })).toContainText(`→ ${ann}`);

  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventType eq "application.user_membership.remove"');
  await page.getByRole('button', { name: 'Apply' }).click();
  const unlinked = page.locator('tbody.event').filter({ hasText: `Ann Lee${tag}` }).first();
  await expect(unlinked).toContainText('Unlink app account from user');
  await unlinked.getByRole('button', { name: 'Show event JSON' }).click();
  await expect(page.locator('.event-json').first()).toContainText(`"externalId": "${ann}"`);
});

test('linking someone another app sources asks first, and People unlinks an account', async ({ page }) => {
  const tag = uniqueName('src').toLowerCase();
  const ann = `ann.${tag}@example.com`;
  const annie = `annie.${tag}`;
  await signIn(page);
  await createCsvApp(page, `HR ${tag}`);
  await importAndConfirm(page, 'hr.csv', [HEADER, [ann, 'Ann', `Lee${tag}`, ann]]);

  await createCsvApp(page, `Wiki ${tag}`);
  await importRows(page, 'wiki.csv', [HEADER, [annie, 'Annie', `L${tag}`, `${annie}@wiki.example`]]);
  const row = page.locator('.queue-rows tbody tr').filter({ hasText: annie });
  await row.getByLabel(`Action for ${annie}`).selectOption('SEARCH');
  await row.getByLabel(`Find a user for ${annie}`).fill(ann);
  await row.getByRole('button', { name: new RegExp(`Ann Lee${tag}`) }).click();
  await expect(row.getByRole('alert')).toContainText(
    `Ann Lee${tag} (${ann}) is sourced by HR ${tag}: HR ${tag}'s imports keep writing their profile. Link them to ${annie} in Wiki ${tag} as well?`,
  );
  await expect(row.locator('.chosen')).toHaveCount(0);
  await row.getByRole('button', { name: 'Link anyway' }).click();
  await expect(page.locator('.queue-rows tbody tr').filter({ hasText: annie })).toContainText(`→ ${ann}`);
  await page.getByLabel(`Select ${annie}`).check();
  await confirmSelected(page, false);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('1 linked');

  // People shows both accounts; unlinking one takes a second step.
  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  const people = page.locator('table.people tbody tr').filter({ hasText: ann });
  await expect(people.first()).toContainText(`HR ${tag}, Wiki ${tag}`);
  await page.getByRole('button', { name: `Profile of ${ann}` }).click();
  await page.getByRole('button', { name: `Unlink ${annie} of Wiki ${tag} from Ann Lee${tag}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Unlink app account' });
  await expect(dialog).toContainText(`Ann Lee${tag} loses the Wiki ${tag} account and assignment`);
  await dialog.getByRole('button', { name: 'Unlink', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('The account was unlinked.');
  await expect(page.locator('table.people tbody tr').filter({ hasText: ann }).first()).not.toContainText(`Wiki ${tag}`);
});

test('the selection is what the admin sees, and Confirm and Clear say its size before they run', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = uniqueName('sel').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Staff ${tag}`);
  const rows = [HEADER];
  for (let i = 0; i < 120; i++) rows.push([`s${i}.${tag}`, `S${i}`, 'Staff', `s${i}.${tag}@example.com`]);
  await importRows(page, 'staff.csv', rows);
  const count = page.getByTestId('selection-count');
  await expect(count).toHaveText('0 selected');

  // The page's header checkbox selects the page; every row matching the
  // filter is a second, explicit step.
  await page.getByLabel('Select all on this page').check();
  await expect(count).toHaveText('50 selected');
  await expect(page.locator('.selection-bar')).toContainText('All 50 users on this page are selected.');
  await page.getByRole('button', { name: 'Select all 120 matching this filter' }).click();
  await expect(count).toHaveText('120 selected');
  await expect(page.locator('.selection-bar')).toContainText('All 120 users matching this filter are selected.');

  // On page 2, unticking one row leaves what the page shows ticked.
  const tick = (n: number) => page.locator('.queue-rows tbody tr').nth(n).getByRole('checkbox');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.locator('.pager')).toContainText('51–100 of 120');
  await expect(tick(10)).toBeChecked();
  await tick(10).uncheck();
  await expect(count).toHaveText('49 selected');
  await expect(tick(10)).not.toBeChecked();
  await expect(tick(11)).toBeChecked();

  // Clear says the size of exactly that set; Cancel leaves it.
  await page.getByRole('button', { name: 'Clear Unconfirmed Users' }).click();
  const clearDialog = page.getByRole('dialog', { name: 'Clear Unconfirmed Users' });
  await expect(clearDialog).toContainText('Clear the 49 selected unconfirmed users from the import queue?');
  await clearDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(count).toHaveText('49 selected');

  // Confirm says what it will do, with the tally, before it runs.
  await page.getByRole('button', { name: 'Confirm Assignments' }).click();
  const confirmDialog = page.getByRole('dialog', { name: 'Confirm Imported User Assignments' });
  await expect(confirmDialog).toContainText('49 selected users will be confirmed:');
  await expect(confirmDialog).toContainText('49 new users created');
  await expect(confirmDialog).toContainText('0 linked to existing users');
  await expect(confirmDialog).toContainText('0 activated');
  await confirmDialog.getByLabel('Automatically activate new users').check();
  await expect(confirmDialog).toContainText('49 activated');
  await confirmDialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('49 users created (49 activated)');
  await expect(count).toHaveText('0 selected');
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(page.locator('.pager')).toContainText('1–50 of 71');
  await expect(tick(0)).not.toBeChecked();

  // Every row matching the filter, then Clear: the dialog says how many.
  await selectWholeQueue(page);
  await expect(count).toHaveText('71 selected');
  await page.getByRole('button', { name: 'Clear Unconfirmed Users' }).click();
  await expect(clearDialog).toContainText('Clear the 71 selected unconfirmed users from the import queue?');
  await clearDialog.getByRole('button', { name: 'Clear Import Results' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cleared' })).toContainText('Cleared 71 unconfirmed users.');
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();
});

test('a conflict offers each of its candidates, and a new row offers Create new user once', async ({ page }) => {
  const tag = uniqueName('cand').toLowerCase();
  const sam1 = `sam1.${tag}@example.com`;
  const sam2 = `sam2.${tag}@example.com`;
  await signIn(page);
  await createCsvApp(page, `Directory ${tag}`);
  await importAndConfirm(page, 'directory.csv', [HEADER, [sam1, 'Sam', `Lee${tag}`, sam1], [sam2, 'Sam', `Lee${tag}`, sam2]]);

  // A second app that allows partial matches: two people named Sam Lee make a conflict.
  await createCsvApp(page, `Wiki ${tag}`);
  const app = appPath(page);
  await page.goto(`${app}/provisioning`);
  await waitForHydration(page);
  const matching = page.locator('[data-section=matching]');
  await matching.getByRole('button', { name: 'Edit' }).click();
  await matching.getByLabel('Allow partial matches').check();
  await matching.getByRole('button', { name: 'Save' }).click();
  await expect(matching.getByRole('button', { name: 'Edit' })).toBeVisible();
  await page.goto(`${app}/import`);
  await waitForHydration(page);
  const samuel = `samuel.${tag}`;
  const newbie = `newbie.${tag}`;
  await importRows(page, 'wiki.csv', [HEADER, [samuel, 'Sam', `Lee${tag}`, `${samuel}@wiki.example`], [newbie, 'New', 'Bie', `${newbie}@wiki.example`]]);

  const conflict = page.locator('.queue-rows tbody tr').filter({ hasText: samuel });
  await expect(conflict).toContainText('Conflict');
  const menu = conflict.getByLabel(`Action for ${samuel}`);
  await expect(menu.locator('option')).toHaveText([
    'Choose a user',
    'Create new user',
    `Link to ${sam1}`,
    `Link to ${sam2}`,
    'Link to another user…',
    'Ignore',
  ]);
  const fresh = page.getByLabel(`Action for ${newbie}`);
  await expect(fresh.locator('option')).toHaveText(['Create new user', 'Link to another user…', 'Ignore']);

  // Choosing a candidate (whom the directory sources) takes the second step.
  await menu.selectOption({ label: `Link to ${sam2}` });
  await conflict.getByRole('button', { name: 'Link anyway' }).click();
  await expect(page.getByLabel(`Action for ${samuel}`).locator('option:checked')).toHaveText(`Link to ${sam2}`);

  await selectWholeQueue(page);
  await page.getByRole('button', { name: 'Confirm Assignments' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm Imported User Assignments' });
  await expect(dialog).toContainText('2 selected users will be confirmed:');
  await expect(dialog).toContainText('1 new users created');
  await expect(dialog).toContainText('1 linked to existing users');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('1 users created (0 activated), 1 linked');
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();
});

test('the queue filter and the app search are in the URL: Back returns to the last view and a reload keeps it', async ({ page }) => {
  const tag = uniqueName('urlq').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Roster ${tag}`);
  const app = new URL(page.url()).pathname;
  await importRows(page, 'roster.csv', [
    ['login', 'firstName', 'lastName', 'email'],
    [`a.${tag}@example.com`, 'A', 'Tag', `a.${tag}@example.com`],
  ]);
  const rows = page.locator('.queue-rows tbody tr');
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Show').selectOption('EXACT');
  await expect(page).toHaveURL(/[?&]show=EXACT/);
  await expect(rows).toHaveCount(0);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Show')).toHaveValue('EXACT');
  await expect(rows).toHaveCount(0);
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`${app}$`));
  await expect(page.getByLabel('Show')).toHaveValue('');
  await expect(rows).toHaveCount(1);

  await page.goto('/apps');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(`roster ${tag}`);
  await expect(page).toHaveURL(/[?&]q=roster%20/);
  await expect(page.locator('table.apps tbody tr')).toHaveCount(1);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Search')).toHaveValue(`roster ${tag}`);
  await expect(page.locator('table.apps tbody tr')).toHaveCount(1);
});
