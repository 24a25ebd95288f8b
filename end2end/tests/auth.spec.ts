import { test, expect } from '@playwright/test';
import { ADMIN, signIn, waitForHydration } from './helpers';

test('pages redirect to sign-in without a session', async ({ page }) => {
  await page.goto('/apps');
  await expect(page).toHaveURL(/\/signin$/);
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
  await expect(page).toHaveURL(/\/signin$/);
});
