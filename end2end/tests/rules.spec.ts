import { test, expect, type Page } from '@playwright/test';
import * as fs from 'fs';
import {
  appPath,
  confirmSelected,
  createCsvApp,
  dropCsv,
  importAndConfirm,
  signIn,
  uniqueName,
  waitForHydration,
} from './helpers';

const HEADER = ['login', 'firstName', 'lastName', 'email'];

/** `n` users `u{i}.{tag}@example.com` named `U{i} Tag`. */
function people(tag: string, from: number, to: number): string[][] {
  const rows = [HEADER];
  for (let i = from; i < to; i++) rows.push([`u${i}.${tag}@example.com`, `U${i}`, 'Tag', `u${i}.${tag}@example.com`]);
  return rows;
}

test('a partial match is linked by hand to a user the admin searches for', async ({ page }) => {
  const tag = uniqueName('partial').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Directory ${tag}`);
  const ann = `ann.${tag}@example.com`;
  const bob = `bob.${tag}@example.com`;
  await importAndConfirm(page, 'directory.csv', [HEADER, [ann, 'Ann', `Lee${tag}`, ann], [bob, 'Bob', `Ray${tag}`, bob]]);

  // A second app that allows partial matches, set on its Provisioning tab.
  await createCsvApp(page, `Wiki ${tag}`);
  const app = appPath(page);
  await page.goto(`${app}/provisioning`);
  await waitForHydration(page);
  const matching = page.locator('[data-section=matching]');
  await matching.getByRole('button', { name: 'Edit' }).click();
  await matching.getByLabel('Allow partial matches').check();
  await matching.getByRole('button', { name: 'Save' }).click();
  await expect(matching.getByRole('button', { name: 'Edit' })).toBeVisible();
  await expect(matching.locator('dl')).toContainText('Allow partial matches');
  await expect(matching.locator('dd').nth(1)).toHaveText('Yes');

  await page.goto(`${app}/import`);
  await waitForHydration(page);
  const annie = `annie.${tag}`;
  await dropCsv(page, 'wiki.csv', [HEADER, [annie, 'Ann', `Lee${tag}`, `annie.${tag}@wiki.example`]]);
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('1 partial match,');
  const row = page.locator('.queue-rows tbody tr').filter({ hasText: annie });
  await expect(row).toContainText('Partial match');
  await expect(row).toContainText(ann);

  // Not Ann after all: the admin links the account to Bob.
  await row.getByLabel(`Action for ${annie}`).selectOption('SEARCH');
  await row.getByLabel(`Find a user for ${annie}`).fill(`bob.${tag}`);
  await row.getByRole('button', { name: new RegExp(`Bob Ray${tag}`) }).click();
  // Bob's profile is the directory's: linking him here takes a second step.
  await expect(row.getByRole('alert')).toContainText(`Bob Ray${tag} (${bob}) is sourced by Directory ${tag}`);
  await row.getByRole('button', { name: 'Link anyway' }).click();
  await expect(page.locator('.queue-rows tbody tr').filter({ hasText: annie })).toContainText(`→ ${bob}`);
  await page.getByLabel(`Select ${annie}`).check();
  await confirmSelected(page, false);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('0 users created (0 activated), 1 linked');
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();

  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventType eq "system.import.user_match.confirm"');
  await page.getByRole('button', { name: 'Apply' }).click();
  const confirmed = page.locator('tbody.event').filter({ hasText: annie }).first();
  await expect(confirmed).toContainText(`Bob Ray${tag}`);
  await confirmed.getByRole('button', { name: 'Show event JSON' }).click();
  await expect(page.locator('.event-json').first()).toContainText(`"alternateId": "${bob}"`);
});

test('a full import that drops 30% of 150 users stops at the safeguard until Resume', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = uniqueName('guard').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Staff ${tag}`);
  const app = appPath(page);
  await importAndConfirm(page, 'staff.csv', people(tag, 0, 150));

  await dropCsv(page, 'staff-fewer.csv', people(tag, 0, 105));
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('Import paused at a safeguard', { timeout: 30_000 });
  const banner = page.getByTestId('safeguard-banner');
  await expect(banner).toContainText(`Import of Staff ${tag} paused`);
  // Another import waits for the decision, and says so.
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.queued')).toContainText('it starts when the paused import is resumed or cancelled');
  await expect(banner).toContainText('45 of 150 users (30%), more than the limit of 20%');

  // The dashboard shows it too, and nobody was deactivated yet.
  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByTestId('safeguard-banner').filter({ hasText: `Staff ${tag}` })).toBeVisible();
  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(`u149.${tag}`);
  await expect(page.locator('table.people tbody tr')).toHaveCount(1);
  await expect(page.locator('table.people tbody tr')).toContainText('ACTIVE');

  await page.goto(`${app}/import`);
  await waitForHydration(page);
  await page.getByTestId('safeguard-banner').getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('safeguard-banner')).toHaveCount(0);

  await page.goto('/people');
  await waitForHydration(page);
  for (const [login, status] of [[`u149.${tag}`, 'DEPROVISIONED'], [`u105.${tag}`, 'DEPROVISIONED'], [`u104.${tag}`, 'ACTIVE']]) {
    await page.getByLabel('Search').fill(login);
    await expect(page.locator('table.people tbody tr')).toHaveCount(1);
    await expect(page.locator('table.people tbody tr')).toContainText(status);
  }

  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventType sw "system.import.roadblock"');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('tbody.event[data-event-type="system.import.roadblock.resume"]').filter({ hasText: `Staff ${tag}` })).toHaveCount(1);
  await expect(page.locator('tbody.event[data-event-type="system.import.roadblock"]').filter({ hasText: `Staff ${tag}` })).toHaveCount(1);
});

test('a preview shows the changes as a diff and Apply makes them', async ({ page }) => {
  const tag = uniqueName('preview').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Sales ${tag}`);
  await importAndConfirm(page, 'sales.csv', people(tag, 0, 3));

  const changed = people(tag, 0, 3);
  changed[1][2] = 'Married';
  changed.push([`new.${tag}@example.com`, 'Nia', 'New', `new.${tag}@example.com`]);
  await dropCsv(page, 'sales-2.csv', changed);
  await page.getByRole('button', { name: 'Preview' }).click();
  const summary = page.locator('.summary');
  await expect(summary).toContainText('Preview: nothing was changed');
  const plan = summary.getByTestId('plan');
  // New people wait in the queue (confirming new users is off), and the
  // plan says so; its counts agree with the summary's.
  await expect(plan.locator('[data-section=create]')).toContainText('To queue as New (1)');
  await expect(summary).toContainText('4 users scanned: 1 new, 1 updated, 2 unchanged, 0 in error.');
  await expect(summary).toContainText('1 with no match (new people)');
  // Apply and Discard come before the plan.
  const applyBox = (await summary.getByRole('button', { name: 'Apply' }).boundingBox())!;
  expect(applyBox.y).toBeLessThan((await plan.boundingBox())!.y);
  await expect(summary.getByRole('button', { name: 'Discard' })).toBeVisible();
  // The whole plan can be searched and downloaded.
  await summary.getByLabel('Search the plan').fill(`new.${tag}`);
  await expect(summary.locator('table.plan-found tbody tr')).toHaveCount(1);
  await expect(summary.locator('table.plan-found tbody tr')).toContainText('To queue as New');
  const planCsv = await page.request.get((await summary.getByRole('link', { name: 'Download plan' }).getAttribute('href'))!);
  expect(planCsv.status()).toBe(200);
  const planLines = (await planCsv.text()).trim().split(/\r?\n/);
  expect(planLines[0]).toBe('part,login,externalId,what');
  expect(planLines).toContain(`To queue as New,new.${tag}@example.com,new.${tag}@example.com,Queued: a new user once confirmed`);
  expect(planLines).toContain(`Attribute changes,u0.${tag}@example.com,u0.${tag}@example.com,lastName: Tag → Married`);
  await summary.getByLabel('Search the plan').fill('');
  await expect(plan.locator('[data-section=create]')).toContainText(`new.${tag}@example.com`);
  await expect(plan.locator('[data-section=update]')).toContainText('Attribute changes (1)');
  await expect(plan.locator('[data-section=update]')).toContainText('lastName: Tag → Married');
  await expect(page.getByText('No unconfirmed users.')).toBeVisible();

  await summary.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('.summary')).toContainText('Import complete');
  await expect(page.locator('.queue-rows tbody tr')).toHaveCount(1);
  await expect(page.locator('.queue-rows tbody tr')).toContainText(`new.${tag}@example.com`);

  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(`u0.${tag}`);
  await expect(page.locator('table.people tbody tr')).toHaveCount(1);
  await expect(page.locator('table.people tbody tr')).toContainText('Married');
  // A sourced profile is shown read-only, naming its source.
  await page.getByRole('button', { name: `Profile of u0.${tag}@example.com` }).click();
  const profile = page.locator('tr.profile-row');
  await expect(profile).toContainText(`Profile sourced by Sales ${tag}: read-only`);
  await expect(profile.locator('input[value="Married"]')).toHaveAttribute('readonly', '');
});

test('an invalid mapping is refused on Save with its position; a valid one is previewed on a real row', async ({ page }) => {
  const tag = uniqueName('maps').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Badges ${tag}`);
  const app = appPath(page);
  await dropCsv(page, 'badges.csv', [HEADER, [`zoe.${tag}@example.com`, 'Zoe', 'Quinn', `zoe.${tag}@example.com`]]);
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('Import complete');

  await page.goto(`${app}/provisioning`);
  await waitForHydration(page);
  const mappings = page.locator('[data-section=mappings]');
  await mappings.getByRole('button', { name: 'Edit' }).click();
  await mappings.getByRole('button', { name: 'Add mapping' }).click();
  await mappings.getByLabel('Attribute 1').fill('nickName');
  await mappings.getByLabel('Expression 1').fill('String.toUpperCase(appuser.firstName');
  await mappings.getByRole('button', { name: 'Save' }).click();
  await expect(mappings.getByRole('alert')).toContainText('nickName');
  await expect(mappings.getByRole('alert')).toContainText('position');

  await mappings.getByLabel('Expression 1').fill("String.toUpperCase(appuser.firstName) + '-' + appuser.lastName");
  await mappings.getByRole('button', { name: 'Preview on a row of the last import' }).click();
  await expect(mappings.getByTestId('mapping-preview')).toContainText('ZOE-Quinn');
  await mappings.getByRole('button', { name: 'Save' }).click();
  await expect(mappings.locator('table.mappings')).toContainText('nickName');
  await expect(mappings.getByRole('button', { name: 'Edit' })).toBeVisible();

  // The change is in the System Log with its old and new value.
  await page.goto('/logs');
  await waitForHydration(page);
  await page.getByLabel('Filter').fill('eventType eq "application.lifecycle.update"');
  await page.getByRole('button', { name: 'Apply' }).click();
  const event = page.locator('tbody.event').filter({ hasText: `Badges ${tag}` }).first();
  await event.getByRole('button', { name: 'Show event JSON' }).click();
  await expect(page.locator('.event-json').first()).toContainText('"setting": "mappings"');
});

test('Cancel at the safeguard completes the import with one outcome: removals cancelled, users kept', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = uniqueName('keep').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Crew ${tag}`);
  await importAndConfirm(page, 'crew.csv', people(tag, 0, 150));

  await dropCsv(page, 'crew-fewer.csv', people(tag, 0, 105));
  await page.getByRole('button', { name: 'Import Now' }).click();
  const summary = page.getByTestId('run-summary');
  await expect(summary).toContainText('Import paused at a safeguard', { timeout: 30_000 });
  await expect(summary).toContainText('safeguard');

  // Before deciding, the admin reads who would be removed.
  const removals = page.getByTestId('removals');
  await expect(removals).toContainText('45 users');
  await removals.getByLabel('Search the users this import would remove').fill(`u149.${tag}`);
  await expect(removals.locator('tbody tr')).toHaveCount(1);
  await expect(removals.locator('tbody tr')).toContainText('Deactivate');
  const download = page.waitForEvent('download');
  await removals.getByRole('link', { name: 'Download CSV' }).click();
  const csvText = fs.readFileSync(await (await download).path(), 'utf8');
  expect(csvText.trim().split(/\r?\n/)).toHaveLength(46);
  expect(csvText).toContain(`u105.${tag}@example.com,U105,Tag,u105.${tag}@example.com,Deactivate`);

  // Cancel from the dashboard: its row of this import follows at once.
  const app = appPath(page);
  await page.goto('/');
  await waitForHydration(page);
  const row = page.locator('tr').filter({ hasText: `Crew ${tag}` }).first();
  await expect(row).toContainText('PAUSED');
  await page.getByTestId('safeguard-banner').filter({ hasText: `Crew ${tag}` }).getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('safeguard-banner').filter({ hasText: `Crew ${tag}` })).toHaveCount(0);
  await expect(row).toContainText('COMPLETED');
  await page.goto(`${app}/import`);
  await waitForHydration(page);

  for (const load of [false, true]) {
    if (load) {
      await page.reload();
      await waitForHydration(page);
    }
    await expect(summary).toContainText('Import complete');
    await expect(summary).toContainText('105 users scanned');
    await expect(summary).toContainText(/Removals cancelled by admin at .*: 45 users kept, nobody was removed/);
    await expect(summary).not.toContainText('safeguard');
    await expect(summary).not.toContainText('Nothing to change');
    await expect(summary.locator('.error')).toHaveCount(0);
  }

  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(`u149.${tag}`);
  await expect(page.locator('table.people tbody tr')).toHaveCount(1);
  await expect(page.locator('table.people tbody tr')).toContainText('ACTIVE');
});

test('the org-level safeguard is edited on Settings', async ({ page }) => {
  await signIn(page);
  await page.goto('/settings');
  await waitForHydration(page);
  const section = page.locator('[data-section=safeguards]');
  await expect(section).toContainText('Enabled: 20%');
  await section.getByRole('button', { name: 'Edit' }).click();
  await section.getByLabel("Percentage of the org's app assignments an import may remove").fill('0');
  await section.getByRole('button', { name: 'Save' }).click();
  await expect(section.getByRole('alert')).toContainText('percentage from 1 to 100');
  await section.getByRole('button', { name: 'Cancel' }).click();
  await expect(section).toContainText('Enabled: 20%');
});
