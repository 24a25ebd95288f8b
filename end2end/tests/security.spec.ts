import { test, expect, type Page } from '@playwright/test';
import { signIn, uniqueName, waitForHydration } from './helpers';

/** Every Content Security Policy refusal the page reports. */
function watchPolicy(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) refused.push(m.text());
  });
  return refused;
}

test('the console works under its Content Security Policy', async ({ page }) => {
  const refused = watchPolicy(page);
  const answer = await page.goto('/signin');
  const policy = answer?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(answer?.headers()['x-content-type-options']).toBe('nosniff');
  await signIn(page);
  for (const path of ['/', '/apps', '/people', '/logs']) {
    await page.goto(path);
    await waitForHydration(page);
  }
  // Hydrated pages answer clicks.
  await page.getByRole('link', { name: 'People' }).first().click();
  await expect(page).toHaveURL(/\/people/);
  await expect(page.getByRole('heading', { name: 'People' })).toBeVisible();
  expect(refused).toEqual([]);
});

test('repeated failed sign-ins lock the username and say how long to wait', async ({ page }) => {
  const username = uniqueName('locked');
  await page.goto('/signin');
  await waitForHydration(page);
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('not-the-password');
    const answer = page.waitForResponse((r) => r.url().includes('/api/sign_in'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await answer).status()).toBe(401);
  }
  await page.getByLabel('Password').fill('any-password-at-all');
  const answer = page.waitForResponse((r) => r.url().includes('/api/sign_in'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect((await answer).status()).toBe(429);
  await expect(page.getByRole('alert')).toContainText(
    'Too many failed sign-ins: try again in 1 minute',
  );
});

test('an admin signs out a session of theirs on another browser', async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const onLaptop = await laptop.newPage();
  const onPhone = await phone.newPage();
  await signIn(onLaptop);
  await signIn(onPhone);
  await onLaptop.getByRole('link', { name: 'admin', exact: true }).click();
  await expect(onLaptop.getByRole('heading', { name: 'Your sessions' })).toBeVisible();
  await waitForHydration(onLaptop);
  await expect(onLaptop.getByText('This session')).toHaveCount(1);
  const others = onLaptop.locator('table.sessions tbody tr', { hasNot: onLaptop.getByText('This session') });
  const before = await others.count();
  expect(before).toBeGreaterThanOrEqual(1);
  // The phone's session is the most recently opened one that is not this.
  await others.first().getByRole('button', { name: 'Sign out' }).click();
  await expect(others).toHaveCount(before - 1);
  await onPhone.goto('/people');
  await expect(onPhone).toHaveURL(/\/signin\?next=%2Fpeople$/);
  await onLaptop.goto('/people');
  await expect(onLaptop.getByRole('heading', { name: 'People' })).toBeVisible();
  await laptop.close();
  await phone.close();
});
