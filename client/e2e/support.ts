import { expect, type Page } from "@playwright/test";

export const password = process.env.CARTESIO_E2E_PASSWORD ?? "";

/** Signs in through the form, as a person would, and waits for the header to show who is signed in. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel(/E-mail/).fill(email);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole("button", { name: /Accedi|Sign in/ }).click();
  await expect(page.locator("header .who")).toContainText(email);
}
