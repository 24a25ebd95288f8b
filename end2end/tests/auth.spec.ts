import { test, expect } from '@playwright/test';
import { ADMIN, signIn, waitForHydration } from './helpers';

test('pages redirect to sign-in without a session', async ({ page }) => {
  await page.goto('/apps');
  await expect(page).toHaveURL(/\/signin\?next=%2Fapps$/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/signin');
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Sign in failed');
  await expect(page).toHaveURL(/\/signin$/);
});

test('sign in, then sign out', async ({ page, context }) => {
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === 'muster_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto('/people');
  await expect(page).toHaveURL(/\/signin\?next=%2Fpeople$/);
});

test('a wrong password answers 401, not a server error', async ({ page }) => {
  await page.goto('/signin');
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill('not-the-password');
  const answer = page.waitForResponse((r) => r.url().includes('/api/sign_in'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect((await answer).status()).toBe(401);
  await expect(page.getByRole('alert')).toContainText('Sign in failed');
});

test('a signed-out deep link returns to its page after sign-in', async ({ page }) => {
  await page.goto('/people?q=nobody');
  await expect(page).toHaveURL(/\/signin\?next=/);
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/people\?q=nobody$/);
  await expect(page.getByRole('heading', { name: 'People' })).toBeVisible();
});

test('after Sign out, Back shows the sign-in page, not the page that was on screen', async ({ page }) => {
  await signIn(page);
  await page.goto('/people');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'People' })).toBeVisible();
  const answer = await page.request.get('/people');
  expect(answer.headers()['cache-control']).toBe('no-store');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'People' })).toHaveCount(0);
});
