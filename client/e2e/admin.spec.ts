import { expect, type Page, test } from "@playwright/test";
import { signIn } from "./support";

const CLUSTER = "Distretto calzaturiero di Lucca";

/** From the register to the edit screen of the Lucca footwear district (Tuscany, NUTS ITI12), as a person goes. */
async function openEditor(page: Page): Promise<void> {
  await page.goto("/clusters?q=calzaturiero");
  await page.getByRole("link", { name: CLUSTER }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(CLUSTER);
  await page.getByRole("link", { name: "Modifica il cluster" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Modifica: ${CLUSTER}`);
}

test("a regional officer edits a Tuscan cluster and sees the change on its page @phone", async ({ page }) => {
  await signIn(page, "toscana@cartesio.example");
  await openEditor(page);
  // A cluster's screens belong to the register in the navigation (the menu is folded away on a phone).
  await expect(page.locator("#main-nav").getByRole("link", { name: "Registro dei cluster", includeHidden: true }))
    .toHaveAttribute("aria-current", "page");
  // A value of its own each run, so the save is a real change on a reused database too.
  const locality = `Capannori ${Date.now() % 100000}`;
  await page.getByLabel("Località", { exact: true }).fill(locality);
  await expect(page.getByText("Ci sono modifiche non salvate.")).toBeVisible();
  await page.getByRole("button", { name: "Salva", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: /Modifiche salvate \(versione \d+\)/ })).toBeVisible();
  await page.getByRole("link", { name: "Vedi la pagina del cluster" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(CLUSTER);
  await expect(page.getByText(locality)).toBeVisible();
});

test("an invalid NACE code is refused with the message beside its field", async ({ page }) => {
  await signIn(page, "toscana@cartesio.example");
  await openEditor(page);
  const nace = page.getByLabel("Codici NACE del settore 1");
  await nace.fill("15.20, 15.2x");
  await page.getByRole("button", { name: "Salva", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "correggi i campi segnalati" })).toBeVisible();
  await expect(nace).toHaveAttribute("aria-invalid", "true");
  await expect(nace).toBeFocused();
  const message = page.locator(".field.invalid", { has: nace }).locator(".field-error");
  await expect(message).toContainText("«15.2x»");
  // Nothing was written: the register still shows the code that was there.
  await page.getByRole("link", { name: "Torna alla pagina del cluster" }).first().click();
  await expect(page.getByText("NACE 15.20")).toBeVisible();
});

test("a regional officer finds the cluster screening in the navigation", async ({ page }) => {
  await signIn(page, "toscana@cartesio.example");
  await page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Selezione dei cluster" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Selezione dei cluster");
  await expect(page.getByLabel("Insieme di criteri", { exact: true }).locator("option:checked")).toContainText("IMAGINE");
  await expect(page.getByRole("button", { name: /Avvia la selezione/ })).toBeEnabled();
});

test("the administrator runs the IMAGINE screening, reads the funnel and a cluster's explanations", async ({ page }) => {
  await signIn(page, "admin@cartesio.example");
  await page.getByRole("link", { name: "Selezione dei cluster" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Selezione dei cluster");
  // The IMAGINE set is there by default: one click runs it over the whole registry.
  await expect(page.getByLabel("Insieme di criteri", { exact: true }).locator("option:checked")).toContainText("IMAGINE");
  await page.getByRole("button", { name: /Avvia la selezione/ }).click();
  await expect(page).toHaveURL(/run=\d+/);

  const funnel = page.getByRole("region", { name: "Imbuto della selezione" });
  await expect(funnel).toBeVisible();
  await expect(funnel).toContainText("Primo screening: macro-criteri");
  await expect(funnel).toContainText("Settore fashion (criterio n.3)");
  await expect(funnel).toContainText("il documento ne riporta 84");

  const first = page.getByRole("button", { name: /Mostra o nascondi le spiegazioni per/ }).first();
  await first.click();
  await expect(first).toHaveAttribute("aria-expanded", "true");
  const details = page.locator(`#${await first.getAttribute("aria-controls")}`);
  await expect(details).toContainText("Cluster del settore manifatturiero");
  await expect(details).toContainText(/matches manufacturing|no sector|unknown/);

  const csv = page.getByRole("link", { name: "Scarica i risultati in CSV" });
  await expect(csv).toHaveAttribute("href", /\/results\?format=csv/);

  // A second run over Tuscany only, compared with the first: the clusters elsewhere leave the list.
  await page.getByLabel("Regioni", { exact: true }).fill("ITI1");
  await page.getByRole("button", { name: /Avvia la selezione/ }).click();
  await expect(page.getByText("Ambito: Regioni: ITI1.")).toBeVisible();
  const compare = page.getByLabel("Confronta con");
  await compare.selectOption({ index: 1 });
  await expect(page.getByRole("button", { name: /usciti dalla lista \(\d+\)/ })).toBeVisible();
  await page.getByRole("button", { name: /usciti dalla lista/ }).click();
  await expect(page.getByRole("cell", { name: "fuori ambito" }).first()).toBeVisible();
});
