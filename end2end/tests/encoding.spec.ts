import { test, expect } from '@playwright/test';
import { confirmSelected, createCsvApp, selectWholeQueue, signIn, uniqueName, waitForHydration } from './helpers';

/**
 * Text as Excel's "CSV (Comma delimited)" saves it: Windows-1252, one byte
 * per character. The characters used here are ASCII, Latin-1 (é 0xE9,
 * ü 0xFC, ß 0xDF) and the euro sign, which Windows-1252 puts at 0x80.
 */
function windows1252(text: string): Buffer {
  return Buffer.from(
    Array.from(text, (c) => {
      if (c === '€') return 0x80;
      const code = c.charCodeAt(0);
      if (code > 0xff) throw new Error(`${c} is not in this test's Windows-1252 table`);
      return code;
    }),
  );
}

test('an Excel (Windows-1252) CSV is named line and byte, then read as Windows-1252 and imported', async ({ page }) => {
  const tag = uniqueName('enc').toLowerCase();
  const renee = `renee.${tag}@example.com`;
  const jurgen = `jurgen.${tag}@example.com`;
  const ann = `ann.${tag}@example.com`;
  const bytes = windows1252(
    [
      'login,firstName,lastName,email,department',
      `${ann},Ann,Lee,${ann},Sales`,
      `${renee},Renée,Dupont,${renee},Ventes`,
      `${jurgen},Jürgen,Groß,${jurgen},Einkauf €`,
      '',
    ].join('\r\n'),
  );
  const offset = bytes.indexOf(0xe9);
  expect(offset).toBeGreaterThan(0);

  await signIn(page);
  await createCsvApp(page, `Excel ${tag}`);
  await page.locator('#csv-file').setInputFiles({ name: 'excel.csv', mimeType: 'text/csv', buffer: bytes });

  // The admin is told where the file stops being UTF-8, and sees that line.
  const preview = page.locator('.preview');
  const problem = preview.getByRole('alert');
  await expect(problem).toContainText(`Line 3 is not UTF-8 (byte 0xE9 at offset ${offset} of the file)`);
  await expect(problem).toContainText(`${renee},Ren\uFFFDe,Dupont,`);
  await expect(page.getByRole('button', { name: 'Import Now' })).toBeDisabled();

  // Read as Windows-1252: the same file, its names decoded.
  await page.getByRole('button', { name: 'Read as Windows-1252 (Western)' }).click();
  await expect(preview).toContainText('Read as Windows-1252 (Western) and converted to UTF-8');
  await expect(preview).toContainText('excel.csv: 3 users, 5 columns');
  await expect(preview.getByRole('alert')).toHaveCount(0);
  const rows = preview.locator('.preview-rows tbody tr');
  await expect(rows.nth(1)).toContainText('Renée');
  await expect(rows.nth(2)).toContainText('Jürgen');
  await expect(rows.nth(2)).toContainText('Groß');
  await expect(rows.nth(2)).toContainText('Einkauf €');

  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText('3 users scanned: 3 new');
  const queue = page.locator('.queue-rows tbody tr');
  await expect(queue.filter({ hasText: renee })).toContainText('Renée');
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed' })).toContainText('3 users created (3 activated)');

  // The directory holds the names as they are spelled.
  await page.goto('/people');
  await waitForHydration(page);
  await page.getByLabel('Search').fill(tag);
  const people = page.locator('table.people tbody tr');
  await expect(people).toHaveCount(3);
  await expect(people.filter({ hasText: renee })).toContainText('Renée Dupont');
  await expect(people.filter({ hasText: jurgen })).toContainText('Jürgen Groß');
  await page.getByRole('button', { name: `Profile of ${jurgen}` }).click();
  await expect(page.locator('dl.profile')).toContainText('department');
  await expect(page.locator('dl.profile input[value="Einkauf €"]')).toBeVisible();
});

test('a binary file is refused outright, with no other encoding offered', async ({ page }) => {
  const tag = uniqueName('bin').toLowerCase();
  await signIn(page);
  await createCsvApp(page, `Binary ${tag}`);
  // A PNG image's signature and the start of its header chunk.
  const png = Buffer.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0xf3, 0xff,
  ]);
  await page.locator('#csv-file').setInputFiles({ name: 'photo.csv', mimeType: 'text/csv', buffer: png });
  await expect(page.locator('.preview').getByRole('alert')).toContainText('This file is not a CSV file');
  await expect(page.getByRole('button', { name: /Windows-1252/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Import Now' })).toBeDisabled();
});
