import { test, expect } from '@playwright/test';
import { confirmSelected, createCsvApp, csv, dropFile, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

const HEADER = ['login', 'firstName', 'lastName', 'email', 'team'];

test('an admin imports a dragged-in CSV end to end', async ({ page }) => {
  const tag = uniqueName('e2e').toLowerCase();
  const ann = `ann.${tag}@example.com`;
  const bob = `bob.${tag}@example.com`;
  await signIn(page);

  // First app: two new people.
  await createCsvApp(page, `HR ${tag}`);
  await dropFile(page, '[data-testid=dropzone]', 'people.csv', csv([
    HEADER,
    [ann, 'Ann', 'Lee', ann, 'Finance'],
    [bob, 'Bob', "O'Neil, Jr", bob, 'Sales'],
  ]));
  const preview = page.locator('.preview');
  await expect(preview).toContainText('people.csv');
  await expect(preview).toContainText('2 users, 5 columns');
  await expect(preview.locator('th', { hasText: 'team' })).toBeVisible();
  await expect(preview).toContainText('Custom profile attributes: team');
  await page.getByRole('button', { name: 'Import Now' }).click();
  const summary = page.locator('.summary');
  await expect(summary).toContainText('Import complete');
  await expect(summary).toContainText('2 users scanned: 2 new');

  const queue = page.locator('.queue-rows tbody tr');
  await expect(queue).toHaveCount(2);
  await expect(queue.filter({ hasText: ann })).toContainText('New');
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('2 users created (2 activated)');
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();

  // Second app: Ann again, her login in capitals (usernames match
  // case-insensitively), and a new person.
  const carl = `carl.${tag}@example.com`;
  await createCsvApp(page, `Payroll ${tag}`);
  await dropFile(page, '[data-testid=dropzone]', 'payroll.csv', csv([
    HEADER,
    [ann.toUpperCase(), 'Ann', 'Lee', `a.lee.${tag}@example.com`, 'Finance'],
    [carl, 'Carl', 'Diaz', carl, 'Ops'],
  ]));
  await expect(page.locator('.preview')).toContainText('2 users');
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('1 exact match,');
  const rows = page.locator('.queue-rows tbody tr');
  await expect(rows.filter({ hasText: `a.lee.${tag}` })).toContainText('Exact match');
  await expect(rows.filter({ hasText: `a.lee.${tag}` }).locator('td').nth(5)).toHaveText(ann);
  await expect(rows.filter({ hasText: carl })).toContainText('New');
  await page.getByLabel(`Select ${ann.toUpperCase()}`).check();
  await confirmSelected(page, false);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('0 users created (0 activated), 1 linked');
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(1);

  // The Applications list filters by name as the admin types.
  await page.goto('/apps');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  await expect(page.locator('table.apps tbody tr')).toHaveCount(2);
  await page.getByLabel('Search').fill(`payroll ${tag}`);
  await expect(page.locator('table.apps tbody tr')).toHaveCount(1);
  await expect(page.locator('table.apps tbody tr')).toContainText(`Payroll ${tag}`);
  await expect(page.locator('table.apps tbody tr')).toContainText('1');

  // People lists the new users with their status and source.
  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  const people = page.locator('table.people tbody tr');
  await expect(people).toHaveCount(2);
  await expect(people.filter({ hasText: ann })).toContainText('ACTIVE');
  await expect(people.filter({ hasText: ann })).toContainText(`HR ${tag}`);

  // The System Log shows the manual import and the seeds' filter narrows to it.
  await page.goto('/logs');
  await waitForHydration(page);
  await expect(page.locator('tbody.event[data-event-type="system.import.start"]').first()).toBeVisible();
  await expect(page.locator('tbody.event[data-event-type="user.lifecycle.create"]').first()).toBeVisible();
  await page.getByLabel('Filter').fill(
    'eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Manual action"',
  );
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('tbody.event[data-event-type="user.lifecycle.create"]')).toHaveCount(0);
  const starts = page.locator('tbody.event');
  await expect(starts.first()).toHaveAttribute('data-event-type', 'system.import.start');
  expect(await starts.count()).toBe(await page.locator('tbody.event[data-event-type="system.import.start"]').count());
  await starts.first().getByRole('button', { name: 'Show event JSON' }).click();
  await expect(page.locator('.event-json').first()).toContainText('"importTrigger": "Manual action"');
  await expect(page.locator('.event-json').first()).toContainText('"importType": "Full"');

  await page.getByLabel('Filter').fill('eventType eqq "system.import.start"');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert')).toContainText("Unrecognized attribute operator 'eqq' at position 10");
});

test('rows that cannot be used are reported and the rest import', async ({ page }) => {
  const tag = uniqueName('bad').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Contractors ${tag}`);
  const good = `good.${tag}@example.com`;
  await dropFile(page, '[data-testid=dropzone]', 'contractors.csv', csv([
    ['login', 'firstName', 'lastName', 'email'],
    [good, 'Gina', 'Good', good],
    [`nomail.${tag}`, 'No', 'Mail', 'not-an-email'],
    [`noname.${tag}`, '', 'Name', `noname.${tag}@example.com`],
    [good, 'Gina', 'Again', `again.${tag}@example.com`],
  ]));
  await expect(page.locator('.preview')).toContainText('4 users');
  await page.getByRole('button', { name: 'Import Now' }).click();
  const summary = page.locator('.summary');
  await expect(summary).toContainText('4 users scanned: 1 new');
  await expect(summary).toContainText('3 in error');
  const errors = page.locator('table.errors tbody tr');
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(0)).toContainText('3');
  await expect(errors.nth(0)).toContainText('email');
  await expect(errors.nth(0)).toContainText('not-an-email');
  await expect(errors.nth(1)).toContainText('firstName');
  await expect(errors.nth(2)).toContainText('appears more than once');
  await expect(page.getByRole('link', { name: 'Download error report' })).toBeVisible();
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(1);
});

test('a file without the required columns is refused before import', async ({ page }) => {
  await signIn(page);
  await createCsvApp(page, uniqueName('Bad header'));
  await dropFile(page, '[data-testid=dropzone]', 'wrong.csv', 'name,mail\r\nAnn,ann@example.com\r\n');
  await expect(page.locator('.problems')).toContainText('Missing required columns: login, firstName, lastName');
  await expect(page.getByRole('button', { name: 'Import Now' })).toBeDisabled();
});

test('Clear Unconfirmed Users asks with the tally, then empties the queue', async ({ page }) => {
  const tag = uniqueName('clear').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Temps ${tag}`);
  const rows = [['login', 'firstName', 'lastName', 'email']];
  for (let i = 0; i < 4; i++) rows.push([`t${i}.${tag}@example.com`, `T${i}`, 'Temp', `t${i}.${tag}@example.com`]);
  await dropFile(page, '[data-testid=dropzone]', 'temps.csv', csv(rows));
  await expect(page.locator('.preview')).toContainText('4 users');
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('4 users scanned: 4 new');
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(4);

  // Only the selected row, then the rest.
  await page.getByLabel(`Select t0.${tag}@example.com`).check();
  await page.getByRole('button', { name: 'Clear Unconfirmed Users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clear Unconfirmed Users' });
  await expect(dialog).toContainText('Clear the 1 selected unconfirmed users from the import queue?');
  await dialog.getByRole('button', { name: 'Clear Import Results' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cleared' })).toContainText('Cleared 1 unconfirmed users.');
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(3);

  await page.getByRole('button', { name: 'Clear Unconfirmed Users' }).click();
  await expect(dialog).toContainText('Clear all 3 unconfirmed users from the import queue?');
  await dialog.getByRole('button', { name: 'Clear Import Results' }).click();
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Clear Unconfirmed Users' })).toBeDisabled();

  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventType eq "system.import.clear.unconfirmed.users.summary"');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('tbody.event').first()).toContainText(`Cleared 3 unconfirmed users of Temps ${tag}`);
});

test('after a page load Clear Unconfirmed Users is usable at once, before and after hydration', async ({ page, browser }) => {
  const tag = uniqueName('reload').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Contractors ${tag}`);
  const rows = [['login', 'firstName', 'lastName', 'email']];
  for (let i = 0; i < 2; i++) rows.push([`c${i}.${tag}@example.com`, `C${i}`, 'Contractor', `c${i}.${tag}@example.com`]);
  await dropFile(page, '[data-testid=dropzone]', 'contractors.csv', csv(rows));
  await expect(page.locator('.preview')).toContainText('2 users');
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('2 users scanned: 2 new');
  const importTab = page.url();

  // The server's own first render: the same session, the page's script
  // runs but the WASM that would hydrate it never arrives.
  const served = await browser.newContext({ storageState: await page.context().storageState() });
  const unhydrated = await served.newPage();
  await unhydrated.route('**/*.wasm', (route) => route.abort());
  await unhydrated.goto(importTab);
  await expect(unhydrated.locator('.queue-rows tbody tr')).toHaveCount(2);
  await expect(unhydrated.getByRole('button', { name: 'Clear Unconfirmed Users' })).toBeEnabled();
  await served.close();

  // A direct link, hydrated: usable without touching anything else first.
  await page.goto(importTab);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Clear Unconfirmed Users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clear Unconfirmed Users' });
  await expect(dialog).toContainText('Clear all 2 unconfirmed users from the import queue?');
  await dialog.getByRole('button', { name: 'Clear Import Results' }).click();
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();

  // And an empty queue stays disabled after a load.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('button', { name: 'Clear Unconfirmed Users' })).toBeDisabled();
});
