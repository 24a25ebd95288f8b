import { test, expect } from '@playwright/test';
import { confirmSelected, createCsvApp, importRows, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

test('People finds a person regardless of accents, filters by status and app, keeps the view in the URL and downloads it', async ({ page }) => {
  const tag = uniqueName('ppl').toLowerCase();
  const zoe = `zoe.${tag}@example.com`;
  const ann = `ann.${tag}@example.com`;
  await signIn(page);
  await createCsvApp(page, `Research ${tag}`);
  await importRows(page, 'research.csv', [
    ['login', 'firstName', 'lastName', 'email', 'department'],
    [zoe, 'Zoë', 'Ångström', zoe, `Forschung ${tag}`],
    [ann, 'Ann', 'Lee', ann, `Labor ${tag}`],
  ]);
  await expect(page.locator('.summary')).toContainText('2 users scanned: 2 new');
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('2 users created');
  const app = new URL(page.url()).pathname.split('/')[2];

  await page.goto('/people');
  await waitForHydration(page);
  const rows = page.locator('table.people tbody tr');
  // Without its accents, and by a profile value that is not a name.
  await page.getByLabel('Search').fill(`zoe angstrom`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Zoë Ångström');
  await page.getByLabel('Search').fill(`forschung ${tag}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(zoe);
  await page.getByLabel('Search').fill(tag);
  await expect(rows).toHaveCount(2);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${tag}`));

  await page.getByLabel('Status').selectOption('SUSPENDED');
  await expect(page.getByText('No people found.')).toBeVisible();
  await expect(page).toHaveURL(/status=SUSPENDED/);
  await page.getByLabel('Status').selectOption('ACTIVE');
  await expect(rows).toHaveCount(2);

  // Back returns to the previous view; a reload or a shared link shows the same one.
  await page.goBack();
  await expect(page).toHaveURL(/status=SUSPENDED/);
  await expect(page.getByText('No people found.')).toBeVisible();
  await expect(page.getByLabel('Status')).toHaveValue('SUSPENDED');
  await page.goBack();
  await expect(rows).toHaveCount(2);
  await expect(page.getByLabel('Status')).toHaveValue('');

  await page.getByLabel('App').selectOption(app);
  await expect(page).toHaveURL(new RegExp(`app=${app}`));
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Search')).toHaveValue(tag);
  await expect(page.getByLabel('App')).toHaveValue(app);
  await expect(rows).toHaveCount(2);

  // The download holds what the view shows.
  const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  expect(href).toContain(`q=${tag}`);
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('text/csv');
  const body = await res.text();
  expect(body.split(/\r?\n/)[0]).toBe('id,status,login,email,firstName,lastName,profileSource,apps,created,activated,lastUpdated');
  expect(body).toContain(`${zoe},${zoe},Zoë,Ångström`);
  expect(body.trim().split('\n')).toHaveLength(3);
});

test('the People download needs a signed-in admin', async ({ request }) => {
  const res = await request.get('/console/people.csv?q=a');
  expect(res.status()).toBe(401);
});

test('a person has a page with the lifecycle operations their status allows, their accounts and their events', async ({ page }) => {
  const tag = uniqueName('pp').toLowerCase();
  const kim = `kim.${tag}@example.com`;
  await signIn(page);
  await createCsvApp(page, `Payroll ${tag}`);
  await importRows(page, 'payroll.csv', [
    ['login', 'firstName', 'lastName', 'email', 'title'],
    [kim, 'Kim', 'Park', kim, 'Analyst'],
  ]);
  await expect(page.locator('.summary')).toContainText('1 users scanned: 1 new');
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('1 users created');

  await page.goto(`/people?q=${tag}`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Kim Park' }).click();
  await expect(page).toHaveURL(/\/people\/00u[0-9A-Za-z]+$/);
  await expect(page.getByRole('heading', { name: 'Kim Park' })).toBeVisible();
  const status = page.locator('.person-status');
  await expect(status).toContainText('ACTIVE');
  await expect(page.locator('dl.profile').getByLabel('title', { exact: true })).toHaveValue('Analyst');
  await expect(page.locator('ul.accounts')).toContainText(`Payroll ${tag}`);
  const lifecycle = page.locator('.lifecycle');
  await expect(lifecycle.getByRole('button')).toHaveText(['Suspend', 'Deactivate']);

  await lifecycle.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog', { name: 'Suspend person' });
  await expect(dialog).toContainText('from ACTIVE to SUSPENDED');
  await dialog.getByRole('button', { name: 'Suspend' }).click();
  await expect(page.getByRole('status')).toContainText('Status changed.');
  await expect(status).toContainText('SUSPENDED');
  await expect(lifecycle.getByRole('button')).toHaveText(['Unsuspend', 'Deactivate']);
  await expect(page.locator('.person-events tbody tr').first()).toHaveAttribute('data-event-type', 'user.lifecycle.suspend');

  await lifecycle.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('dialog', { name: 'Deactivate person' }).getByRole('button', { name: 'Deactivate' }).click();
  await expect(status).toContainText('DEPROVISIONED');
  await expect(status).toContainText('Deactivated');
  await expect(lifecycle.getByRole('button')).toHaveText(['Reactivate', 'Delete']);

  // The page is its own URL: a reload shows the same person as they are now.
  await page.reload();
  await waitForHydration(page);
  await expect(status).toContainText('DEPROVISIONED');
  await page.getByRole('link', { name: 'All events about this person in the System Log' }).click();
  await expect(page).toHaveURL(/\/logs\?filter=target\.id%20eq%20%2200u/);
  await expect(page.locator('tbody.event[data-event-type="user.lifecycle.deactivate"]')).toHaveCount(1);
});

test('Add person makes a person by hand, many people change status at once after a confirmation, and a deactivated person can be deleted', async ({ page }) => {
  const tag = uniqueName('add').toLowerCase();
  const lena = `lena.${tag}@example.com`;
  const max = `max.${tag}@example.com`;
  await signIn(page);
  await page.goto('/people');
  await waitForHydration(page);

  const add = async (first: string, login: string, activate: boolean) => {
    await page.getByRole('button', { name: 'Add person' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add person' });
    await dialog.getByLabel('First name').fill(first);
    await dialog.getByLabel('Last name').fill(tag);
    await dialog.getByLabel('Username').fill(login);
    await dialog.getByLabel('Primary email').fill(login.toLowerCase());
    await dialog.getByLabel(/Activate now/).setChecked(activate);
    // Enter in a field saves, as a form does.
    await dialog.getByLabel('Primary email').press('Enter');
    return dialog;
  };
  await add('Lena', lena, false);
  await expect(page.getByRole('status').filter({ hasText: 'Added' })).toContainText(`Added Lena ${tag} (${lena}), STAGED.`);
  await expect(page.getByRole('dialog', { name: 'Add person' })).toHaveCount(0);

  // A username is taken regardless of case; the dialog keeps what was typed.
  const again = await add('Lena', lena.toUpperCase(), true);
  await expect(again.getByRole('alert')).toContainText(`is taken by ${lena}`);
  await expect(again.getByLabel('Username')).toHaveValue(lena.toUpperCase());
  await again.getByRole('button', { name: 'Cancel' }).click();
  await add('Max', max, true);
  await expect(page.getByRole('status').filter({ hasText: 'Added' })).toContainText(`(${max}), ACTIVE.`);

  await page.getByLabel('Search').fill(tag);
  const rows = page.locator('table.people tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: lena })).toContainText('STAGED');
  await expect(rows.filter({ hasText: lena })).toContainText('Muster');

  // Suspend both: it applies to Max only, and Lena is named.
  await expect(page.getByText('0 selected')).toBeVisible();
  await page.getByLabel('Select everyone on this page').check();
  await expect(page.getByText('2 selected')).toBeVisible();
  await page.getByRole('button', { name: 'Suspend', exact: true }).click();
  const suspend = page.getByRole('dialog', { name: 'Suspend people' });
  await expect(suspend).toContainText('Suspend 2 people?');
  await suspend.getByRole('button', { name: 'Suspend 2 people' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Status changed' })).toHaveText(
    `Status changed for 1 person. Not changed (their status does not allow it): ${lena} (STAGED).`,
  );
  await expect(rows.filter({ hasText: max })).toContainText('SUSPENDED');
  await expect(page.getByText('0 selected')).toBeVisible();

  // Cancel leaves everyone as they are; Deactivate then changes both.
  await page.getByLabel(`Select ${lena}`).check();
  await page.getByLabel(`Select ${max}`).check();
  await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
  await page.getByRole('dialog', { name: 'Deactivate people' }).getByRole('button', { name: 'Cancel' }).click();
  await expect(rows.filter({ hasText: lena })).toContainText('STAGED');
  await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
  await page.getByRole('dialog', { name: 'Deactivate people' }).getByRole('button', { name: 'Deactivate 2 people' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Status changed' })).toHaveText('Status changed for 2 people.');
  await expect(rows.filter({ hasText: 'DEPROVISIONED' })).toHaveCount(2);

  // A deactivated person's page offers Delete, which asks first.
  await rows.filter({ hasText: lena }).getByRole('link').click();
  await expect(page.getByRole('heading', { name: `Lena ${tag}` })).toBeVisible();
  await page.getByRole('button', { name: 'Delete' }).click();
  const del = page.getByRole('dialog', { name: 'Delete person' });
  await expect(del).toContainText(`Delete Lena ${tag}? This cannot be undone. They have no app accounts.`);
  await del.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toContainText('The person was deleted.');
  await page.getByRole('link', { name: 'Back to People' }).click();
  await page.getByLabel('Search').fill(tag);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(max);
});
