import { test, expect } from '@playwright/test';
import { createCsvApp, dropCsv, importAndConfirm, signIn, uniqueName, waitForHydration } from './helpers';

const HEADER = ['login', 'firstName', 'lastName', 'email'];

test('a summary counts each row once and the people removed, and stays with its run while another tab imports', async ({ page, context }) => {
  const tag = uniqueName('sum').toLowerCase();
  const user = (i: number) => [`u${i}.${tag}@example.com`, `U${i}`, 'Tag', `u${i}.${tag}@example.com`];
  await signIn(page);
  await createCsvApp(page, `Ledger ${tag}`);
  const importPath = new URL(page.url()).pathname;
  await importAndConfirm(page, 'ledger.csv', [HEADER, user(0), user(1), user(2)]);

  // u0 changed, u1 as it was, u2 gone, one new row and one bad one.
  const changed = user(0);
  changed[2] = 'Renamed';
  await dropCsv(page, 'ledger-2.csv', [HEADER, changed, user(1), user(3), [`bad.${tag}`, 'Bad', 'Row', 'not-an-email']]);
  await page.getByRole('button', { name: 'Import Now' }).click();
  const summary = page.getByTestId('run-summary');
  await expect(summary).toContainText('Import complete');
  await expect(summary).toContainText('4 users scanned: 1 new, 1 updated, 1 unchanged, 1 in error.');
  await expect(summary).toContainText('Matching: 0 exact matches, 0 partial matches, 0 conflicts, 1 with no match (new people).');
  await expect(summary).toContainText('People reactivated: 0. People removed: 1 deactivated, 0 suspended, 0 unassigned.');
  await expect(summary).not.toContainText('groups');
  const runId = await summary.getAttribute('data-run-id');

  // The history counts the same, the removal included.
  await page.locator('details.history summary').click();
  const row = page.locator('details.history tbody tr').first();
  await expect(row.locator('td.removed')).toHaveText('1');
  await expect(row.locator('td.removed')).toHaveAttribute('title', '1 deactivated, 0 suspended, 0 unassigned');
  await expect(row.locator('td.file')).toHaveText('ledger-2.csv');

  // Another tab imports; this one keeps its summary and offers the newer run.
  const other = await context.newPage();
  await other.goto(importPath);
  await waitForHydration(other);
  await dropCsv(other, 'ledger-3.csv', [HEADER, changed, user(1), user(3)]);
  await other.getByRole('button', { name: 'Import Now' }).click();
  await expect(other.getByTestId('run-summary')).toContainText('3 users scanned: 0 new, 0 updated, 3 unchanged, 0 in error.');
  await expect(page.getByText(/A newer Full import finished \(COMPLETED\)/)).toBeVisible({ timeout: 15_000 });
  await expect(summary).toHaveAttribute('data-run-id', runId!);
  await expect(summary).toContainText('4 users scanned');
  await page.getByRole('button', { name: 'Show it' }).click();
  await expect(summary).toContainText('3 users scanned');

  // A past run opens from the history with its row errors and its events.
  await page.locator(`details.history a[href$="run=${runId}"]`).click();
  await expect(page).toHaveURL(new RegExp(`run=${runId}`));
  await expect(summary).toHaveAttribute('data-run-id', runId!);
  await expect(summary.locator('table.errors')).toContainText('not-an-email');
  await summary.getByRole('link', { name: 'System Log events of this import' }).click();
  await expect(page.locator('tbody.event[data-event-type="system.import.complete"]')).toHaveCount(1);
  await expect(page.locator('tbody.event[data-event-type="system.import.user.delete"]')).toHaveCount(1);
});
