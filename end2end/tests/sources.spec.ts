import { test, expect } from '@playwright/test';
import { createCsvApp, importAndConfirm, signIn, uniqueName, waitForHydration } from './helpers';

test('the highest-priority source holds a person\'s profile, and Profile Sources changes the order', async ({ page }) => {
  const first = uniqueName('HR');
  const second = uniqueName('Contractors');
  const login = `${uniqueName('ann').toLowerCase()}@example.com`;
  const rows = [
    ['login', 'firstName', 'lastName', 'email'],
    [login, 'Ann', 'Sourced', login],
  ];
  await signIn(page);
  await createCsvApp(page, first);
  await importAndConfirm(page, 'hr.csv', rows);
  await createCsvApp(page, second);
  await importAndConfirm(page, 'contractors.csv', rows);

  await page.goto('/profile-sources');
  await waitForHydration(page);
  const sources = page.locator('table.profile-sources tbody tr');
  const order = async () => sources.locator('td:nth-child(2)').allTextContents();
  const sourced = (name: string) => sources.filter({ hasText: name }).locator('td.num').nth(1);
  // The older app ranks first and sources Ann.
  expect((await order()).indexOf(first)).toBe((await order()).indexOf(second) - 1);
  await expect(sourced(first)).toHaveText('1');
  await expect(sourced(second)).toHaveText('0');

  await page.getByRole('button', { name: `Move ${second} up` }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Priority saved');
  expect((await order()).indexOf(second)).toBe((await order()).indexOf(first) - 1);
  await expect(sourced(second)).toHaveText('1');
  await expect(sourced(first)).toHaveText('0');

  // Ann's page names her new source.
  await page.goto(`/people?q=${encodeURIComponent(login)}`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Ann Sourced' }).click();
  await expect(page.locator('dl.facts').first()).toContainText(`${second}: read-only in Muster`);
});
