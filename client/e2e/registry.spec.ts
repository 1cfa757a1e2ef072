import { expect, test } from "@playwright/test";
import { signIn } from "./support";

test("search the registry and open a cluster's page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro dei cluster");
  await page.getByLabel("Testo").fill("Prato");
  await page.getByRole("button", { name: "Cerca" }).click();
  await expect(page).toHaveURL(/q=Prato/);
  const link = page.getByRole("link", { name: /Prato/ }).first();
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Prato");
  await expect(page.getByRole("heading", { name: "Membri" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Filiera" })).toBeVisible();
});

test("sorting follows the column header and paging the API's cursors", async ({ page }) => {
  await page.goto("/clusters?sort=-name&limit=10");
  const header = page.getByRole("columnheader", { name: /Nome/ });
  await expect(header).toHaveAttribute("aria-sort", "descending");
  const first = await page.locator("tbody tr td:first-child").first().textContent();
  await page.getByRole("button", { name: /Successivi/ }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.locator("tbody tr td:first-child").first()).not.toHaveText(first ?? "");
  await page.getByRole("button", { name: /Precedenti/ }).click();
  await expect(page.locator("tbody tr td:first-child").first()).toHaveText(first ?? "");
});

test("signing in shows the role's screens, and the language switches to English", async ({ page }) => {
  await signIn(page, "toscana@cartesio.example");
  await expect(page.locator("header .who")).toContainText("funzionario regionale");
  await page.getByLabel("Lingua").selectOption("en");
  await expect(page.getByRole("link", { name: "Cluster registry" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("a wrong password is shown next to the form @phone", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel(/E-mail/).fill("toscana@cartesio.example");
  await page.getByLabel(/Password/).fill("not-the-password");
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});
