import { expect, type Page } from '@playwright/test';

/** Credentials of the admin account the e2e server is seeded with. */
export const ADMIN = {
  username: process.env.MUSTER_ADMIN_USERNAME ?? 'admin',
  password: process.env.MUSTER_ADMIN_PASSWORD ?? 'e2e-admin-password',
};

/**
 * Wait until the Leptos app has hydrated: the app sets
 * `data-hydrated="true"` on <body> once the WASM bundle has taken over.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body?.dataset.hydrated === 'true', undefined, {
    timeout: 30_000,
  });
}

/** Sign in as ADMIN through the real sign-in form. */
export async function signIn(page: Page): Promise<void> {
  await page.goto('/signin');
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.includes('/signin'));
}

/**
 * Perform a real drag-and-drop of a file onto the element matching
 * `selector`: a DataTransfer holding a File is built inside the page and
 * dragenter, dragover and drop events carrying it are dispatched in turn.
 */
export async function dropFile(
  page: Page,
  selector: string,
  fileName: string,
  content: string,
  mimeType = 'text/csv',
): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ fileName, content, mimeType }) => {
      const dt = new DataTransfer();
      const file = new File([content], fileName, { type: mimeType });
      dt.items.add(file);
      return dt;
    },
    { fileName, content, mimeType },
  );
  try {
    const target = page.locator(selector);
    await target.dispatchEvent('dragenter', { dataTransfer });
    await target.dispatchEvent('dragover', { dataTransfer });
    await target.dispatchEvent('drop', { dataTransfer });
  } finally {
    await dataTransfer.dispose();
  }
}

/** `prefix` plus a short suffix that is unique across runs and calls. */
export function uniqueName(prefix: string): string {
  const time = Date.now().toString(36).slice(-5);
  const rand = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
  return `${prefix}-${time}${rand}`;
}

/**
 * Serialise rows as CSV (RFC 4180): fields joined with commas, rows with
 * CRLF (no trailing line break). A field containing a comma, double quote,
 * CR or LF, or with leading/trailing whitespace, is wrapped in double
 * quotes with inner quotes doubled.
 */
export function csv(rows: string[][]): string {
  const field = (value: string): string =>
    /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  return rows.map((row) => row.map(field).join(',')).join('\r\n');
}

/** Add a CSV Directory app through the Applications page; ends on its Import tab. */
export async function createCsvApp(page: Page, name: string): Promise<void> {
  await page.goto('/apps');
  await waitForHydration(page);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Add app' }).click();
  await page.waitForURL(/\/apps\/0oa[0-9A-Za-z]+\/import$/);
  await waitForHydration(page);
}

/**
 * Select every row of the import queue: the header checkbox ticks the page,
 * then, when the queue has more pages, "Select all N matching this filter".
 */
export async function selectWholeQueue(page: Page): Promise<void> {
  await page.getByLabel('Select all on this page').check();
  const count = page.getByTestId('selection-count');
  await expect(count).not.toHaveText('0 selected');
  const all = page.getByRole('button', { name: /^Select all .* matching this filter$/ });
  if (await all.isVisible()) await all.click();
}

/**
 * Confirm Assignments on the selected rows: the dialog says what confirming
 * will do, then its Confirm button runs it. `activate` ticks "Automatically
 * activate new users" in the dialog first.
 */
export async function confirmSelected(page: Page, activate: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Confirm Assignments' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm Imported User Assignments' });
  await expect(dialog).toContainText('will be confirmed');
  if (activate) await dialog.getByLabel('Automatically activate new users').check();
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expect(dialog).toHaveCount(0);
}

/** Drops the rows as a CSV on the Import tab and waits for the preview. */
export async function dropCsv(page: Page, name: string, rows: string[][]): Promise<void> {
  await dropFile(page, '[data-testid=dropzone]', name, csv(rows));
  await expect(page.locator('.preview')).toContainText(`${rows.length - 1} users`);
}

/** Drops the rows as a CSV on the Import tab, runs a Full import and waits for its summary. */
export async function importRows(page: Page, name: string, rows: string[][]): Promise<void> {
  await dropCsv(page, name, rows);
  await page.getByRole('button', { name: 'Import Now' }).click();
  await expect(page.locator('.summary')).toContainText(`${rows.length - 1} users scanned`);
}

/** Imports the rows (Full) and confirms every queued user, activated. */
export async function importAndConfirm(page: Page, name: string, rows: string[][]): Promise<void> {
  await importRows(page, name, rows);
  await selectWholeQueue(page);
  await confirmSelected(page, true);
  await expect(page.getByText('No unconfirmed users.')).toBeVisible({ timeout: 30_000 });
}

/** The path of the app page the browser is on, without the tab. */
export function appPath(page: Page): string {
  return new URL(page.url()).pathname.replace(/\/(import|provisioning)$/, '');
}
