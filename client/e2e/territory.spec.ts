import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { signIn } from "./support";

const PRATO = "Distretto tessile di Prato";
const MUD_SAMPLE = fileURLToPath(new URL("../../tests/data/mud_sample.csv", import.meta.url));

test("a cluster's typical product, its LCA result and the comparison of its kind @phone", async ({ page }) => {
  await page.goto("/clusters?q=Prato");
  await page.getByRole("link", { name: PRATO }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(PRATO);
  const products = page.getByRole("table", { name: "Prodotti tipici" });
  const row = products.getByRole("row").filter({ hasText: "Tessuto" });
  // The demo's study is illustrative, and says so beside its figure.
  await expect(row).toContainText("20 kg CO2 eq per 1 kg");
  await expect(row).toContainText("dati illustrativi");
  await expect(row).toContainText(/nessuna EPD|EPD in vigore|EPD scaduta/);
  await row.getByRole("link", { name: "Tessuto" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tessuto");
  await expect(page.getByRole("link", { name: PRATO })).toBeVisible();
  const results = page.getByRole("table", { name: "Risultati per unità funzionale" });
  const climate = results.getByRole("row").filter({ hasText: "Cambiamento climatico – totale" });
  await expect(climate).toContainText("GWP-total");
  await expect(climate).toContainText("20");
  await expect(climate).toContainText("kg CO2 eq");
  await expect(page.getByText("dalla culla al cancello")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Dichiarazioni ambientali di prodotto (EPD)" })).toBeVisible();

  await page.getByRole("link", { name: "Confronta con i prodotti dello stesso tipo" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confronto tra prodotti");
  await expect(page).toHaveURL(/code=13&indicator=climate_change/);
  await expect(page.getByRole("row").filter({ hasText: "Tessuto" })).toContainText(PRATO);
  await page.getByLabel("Indicatore").selectOption("water_use");
  await page.getByRole("button", { name: "Confronta", exact: true }).click();
  await expect(page).toHaveURL(/indicator=water_use/);
  await expect(page.getByRole("row").filter({ hasText: "Tessuto" })).toContainText("150");

  // Leather (per m²) and footwear (per pair) are of one kind but not comparable, and the page says why.
  await page.goto("/products/comparison?code=15&indicator=climate_change");
  await expect(page.getByText("I valori non sono confrontabili:")).toBeVisible();
  await expect(page.getByText(/le unità funzionali sono diverse \(m², paio\)/)).toBeVisible();
  await expect(page.getByText(/alcuni valori sono illustrativi/)).toBeVisible();
});

test("the territory's waste by group, with a group too small to publish", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Territorio" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Analisi territoriale");
  const byProvince = page.getByRole("table", { name: "Rifiuti per provincia" });
  await expect(byProvince.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "BS", exact: true }) }))
    .toContainText(/\d/);
  await expect(page.locator('[data-chart="waste"]')).toHaveAttribute("data-ready", "true");

  // In Sondrio the food industry has fewer than three declaring firms: the group is there without figures.
  await page.getByLabel("Provincia", { exact: true }).fill("so");
  await page.getByRole("button", { name: "Applica" }).click();
  await page.getByLabel("Raggruppa per").selectOption("ateco");
  await expect(page).toHaveURL(/group_by=ateco/);
  await expect(page).toHaveURL(/province=SO/);
  const byDivision = page.getByRole("table", { name: /Rifiuti per settore/ });
  const food = byDivision.getByRole("row").filter({ hasText: "10 Industrie alimentari" });
  await expect(food).toContainText("meno di 3 imprese");
  await expect(food.locator("td.num")).toHaveCount(0);
  await expect(byDivision.getByRole("row").filter({ hasText: "11 Industria delle bevande" }).locator("td.num").first())
    .toHaveText(/\d/);

  // The topics are ranked for the province; the symbiosis leads follow it until a cluster is chosen.
  await expect(page.getByText("Classifica per la provincia SO")).toBeVisible();
  await expect(page.getByRole("heading", { name: /^1\. / })).toBeVisible();
  // Why a topic has no score is said in the page's language: energy and water have no data source.
  await expect(page.getByText("nessuna fonte di dati per questo tema: non valutato")).toHaveCount(2);
  await expect(page.locator("ul.leads > li").first()).toBeVisible();
});

test("the administrator imports a MUD file and reads the counts, or the bad rows of a refused one", async ({ page }) => {
  await signIn(page, "admin@cartesio.example");
  await page.goto("/territory");
  await expect(page.getByRole("heading", { name: "Importazioni (amministratori)" })).toBeVisible();
  await page.getByLabel("Tipo di file").selectOption("mud");

  await page.getByLabel("File CSV").setInputFiles({
    name: "mud-errato.csv", mimeType: "text/csv",
    buffer: Buffer.from("partita_iva;codice_fiscale;ragione_sociale;anno;codice_eer;quantita;unita_misura;attivita;unita_locale;provincia\n"
      + "123;;Prova;2023;150102;12;t;prodotto;;CO\n"),
  });
  await page.getByRole("button", { name: "Importa" }).click();
  await expect(page.getByRole("alert")).toContainText("Il file non è stato importato: 1 righe non valide.");
  const bad = page.getByRole("table", { name: "Righe non valide" });
  await expect(bad.getByRole("row").nth(1)).toContainText("2");
  await expect(bad.getByRole("row").nth(1)).toContainText("partita_iva");

  await page.getByLabel("File CSV").setInputFiles(MUD_SAMPLE);
  await page.getByRole("button", { name: "Importa" }).click();
  const done = page.getByRole("status").filter({ hasText: "File «mud_sample.csv» importato." });
  await expect(done).toBeVisible();
  // A reused database has the sample already: its rows are then unchanged rather than inserted.
  await expect(done).toContainText(/Righe lette\s*5/);
  await expect(page.getByRole("table").filter({ hasText: "mud_sample.csv" })).toBeVisible();
});
