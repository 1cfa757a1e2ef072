import { type APIRequestContext, expect, test } from "@playwright/test";
import { password, signIn } from "./support";

// The state each test needs is made through the API first, as the accounts that own it would make it, so that
// every run (and the phone run after the desktop one) starts from a resource of its own.
async function token(request: APIRequestContext, email: string): Promise<string> {
  const r = await request.post("/api/v1/auth/token", { form: { grant_type: "password", username: email, password } });
  expect(r.ok(), await r.text()).toBeTruthy();
  return (await r.json()).access_token as string;
}

const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

async function json<T>(request: APIRequestContext, method: "get" | "post" | "put", url: string, t: string,
                       body?: unknown): Promise<T> {
  const r = await request[method](url, {
    headers: { ...auth(t), ...(typeof body === "string" ? { "Content-Type": "application/octet-stream" } : {}) },
    data: body,
  });
  expect(r.ok(), `${method.toUpperCase()} ${url}: ${await r.text()}`).toBeTruthy();
  return r.json() as Promise<T>;
}

/** A resource of the cluster with one released version holding one text file; returns its id. */
async function releasedResource(request: APIRequestContext, t: string, clusterId: number, title: string,
                                requirements: string[]): Promise<number> {
  const resource = await json<{ id: number }>(request, "post", "/api/v1/emas/resources", t,
    { cluster_id: clusterId, type: "procedure", title, requirements });
  const base = `/api/v1/emas/resources/${resource.id}/versions`;
  await json(request, "post", base, t, { notes: "Prima versione (e2e)." });
  await json(request, "put", `${base}/1/files/procedura.txt`, t, `${title}\nTesto della procedura.\n`);
  await json(request, "post", `${base}/1/release`, t);
  return resource.id;
}

test("a verifier validates a released resource, and a wrong date is said at its field", async ({ page, request }) => {
  const prato = await token(request, "prato@cartesio.example");
  const me = await json<{ clusters: number[] }>(request, "get", "/api/v1/auth/me", prato);
  const title = `Procedura rifiuti e2e ${Date.now()}`;
  const id = await releasedResource(request, prato, me.clusters[0], title, ["II.A.8.1"]);

  await signIn(page, "verificatore@cartesio.example");
  await page.goto("/emas/resources");
  const desk = page.getByRole("region", { name: "Da convalidare" });
  await desk.getByRole("link", { name: title }).click();
  await expect(page).toHaveURL(new RegExp(`/emas/resources/${id}`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Risorse EMAS" }))
    .toHaveAttribute("aria-current", "page");
  await expect(page.getByText("v1 in attesa di convalida").first()).toBeVisible();
  await expect(page.getByText(/La tua organizzazione è accreditata/)).toBeVisible();

  const form = page.getByRole("form", { name: "Convalida la versione 1" });
  await form.getByLabel("Data della convalida").fill("2026-06-01");
  await form.getByLabel("Valida fino al").fill("2026-01-01");
  await form.getByRole("button", { name: "Registra la convalida" }).click();
  const until = form.getByLabel("Valida fino al");
  await expect(until).toHaveAttribute("aria-invalid", "true");
  await expect(form.locator(".field.invalid")).toContainText("valid_until must be after validated_date");

  await form.getByLabel("Esito").selectOption("validated_with_findings");
  await form.getByLabel("Rilievi *").fill("Aggiornare l'elenco dei codici EER.");
  await form.getByLabel("Data della convalida").fill("");
  await form.getByLabel("Valida fino al").fill("");
  await form.getByRole("button", { name: "Registra la convalida" }).click();

  await expect(page.getByText(/Convalidata con rilievi v1 fino al/).first()).toBeVisible();
  await expect(page.getByText("v1 in attesa di convalida")).toHaveCount(0);
  await expect(page.getByText(/Convalidata da Verificatore Ambientale Demo/)).toBeVisible();
  await expect(form).toHaveCount(0);

  await page.getByRole("link", { name: /Risorse EMAS condivise/ }).first().click();
  await expect(page.getByRole("region", { name: "Da convalidare" }).getByRole("link", { name: title })).toHaveCount(0);
});

test("an enterprise adopts a validated resource and sees its coverage rise @phone", async ({ page, request }) => {
  const conceria = await token(request, "conceria@cartesio.example");
  const me = await json<{ organization_id: number }>(request, "get", "/api/v1/auth/me", conceria);
  const before = await json<{ open: string[] }>(request, "get", `/api/v1/organizations/${me.organization_id}/emas-coverage`, conceria);
  expect(before.open.length).toBeGreaterThan(0);
  // A resource of the firm's district covering a requirement the firm has not covered, released and validated.
  const clusters = await json<{ items: { id: number; name: string }[] }>(request, "get", "/api/v1/clusters?q=Santa%20Croce", conceria);
  const district = clusters.items.find((c) => c.name.includes("Santa Croce"))!;
  const title = `Procedura condivisa e2e ${Date.now()}`;
  const admin = await token(request, "admin@cartesio.example");
  const id = await releasedResource(request, admin, district.id, title, [before.open[0]]);
  const verifier = await token(request, "verificatore@cartesio.example");
  await json(request, "post", `/api/v1/emas/resources/${id}/versions/1/validations`, verifier, { outcome: "validated" });

  await signIn(page, "conceria@cartesio.example");
  await page.goto("/coverage");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Copertura EMAS");
  const figure = page.locator(".emas-figure");
  await expect(figure).toContainText(/\d+ di \d+ requisiti coperti/);
  const [, covered, total] = (await figure.textContent())!.match(/(\d+) di (\d+)/)!.map(Number);
  const share = Number(await page.getByRole("progressbar").getAttribute("value"));
  expect(share).toBe(covered);

  const offer = page.locator(".emas-offers li", { hasText: title });
  await expect(offer).toContainText("Chiuderebbe 1 requisito ancora aperto.");
  await offer.getByRole("button", { name: `Adotta ${title}, versione 1` }).click();

  await expect(figure).toContainText(`${covered + 1} di ${total} requisiti coperti`);
  await expect(page.getByRole("progressbar")).toHaveAttribute("value", String(covered + 1));
  await expect(page.locator(".emas-offers li", { hasText: title })).toHaveCount(0);
  const row = page.locator(".emas-req", { hasText: before.open[0] }).first();
  await expect(row).toContainText("Risorsa condivisa");
  await expect(row.getByRole("link", { name: title })).toBeVisible();
});

test("a cluster manager creates a resource, picks its requirements, uploads files and releases it", async ({ page }) => {
  const title = `Registro rifiuti e2e ${Date.now()}`;
  await signIn(page, "prato@cartesio.example");
  await page.goto("/emas/resources");
  await page.getByRole("button", { name: "Nuova risorsa" }).click();
  const form = page.getByRole("form", { name: "Nuova risorsa condivisa" });
  await form.getByLabel("Cluster *").selectOption({ label: "Distretto tessile di Prato" });
  await form.getByLabel("Tipo *").selectOption("legal_register");
  await form.getByLabel("Titolo *").fill(title);
  // The picker: search narrows the tree, a parent covers its children.
  await form.getByLabel("Cerca un requisito").fill("audit interno");
  await form.getByLabel(/III\.1 Programma di audit/).check();
  await expect(form.getByLabel(/III\.1\.1 Programma di audit/)).toBeDisabled();
  await expect(form.getByText("Scelti: 1 · requisiti coperti: 2")).toBeVisible();
  await form.getByRole("button", { name: "Crea la risorsa" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page.getByText("III.1", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Nuova versione" }).click();
  await page.getByLabel("Note sulla versione").fill("Prima stesura.");
  await page.getByRole("button", { name: "Crea la versione" }).click();

  const version = page.getByRole("region", { name: /Versione 1/ });
  await expect(version.getByRole("button", { name: "Rilascia la versione" })).toBeDisabled();
  // A file whose content does not match its name is refused, and the reason is said at the file field.
  await version.getByLabel("Aggiungi un file alla versione 1").setInputFiles({
    name: "registro.pdf", mimeType: "application/pdf", buffer: Buffer.from("solo testo, non un PDF\n"),
  });
  await version.getByRole("button", { name: "Carica", exact: true }).click();
  await expect(version.locator(".field.invalid .field-error")).toContainText("text/plain");

  await version.getByLabel("Aggiungi un file alla versione 1").setInputFiles({
    name: "registro.csv", mimeType: "text/csv", buffer: Buffer.from("norma,ambito\nD.Lgs. 152/2006,rifiuti\n".repeat(2000)),
  });
  await version.getByRole("button", { name: "Carica", exact: true }).click();
  await expect(version.getByText("registro.csv caricato.")).toBeVisible();
  await expect(version.getByRole("button", { name: "Scarica registro.csv" })).toBeVisible();

  const download = page.waitForEvent("download");
  await version.getByRole("button", { name: "Scarica registro.csv" }).click();
  expect((await download).suggestedFilename()).toBe("registro.csv");

  await version.getByRole("button", { name: "Rilascia la versione" }).click();
  await expect(version.getByText("rilasciata", { exact: true })).toBeVisible();
  await expect(page.getByText("v1 in attesa di convalida").first()).toBeVisible();
  await expect(version.getByLabel("Aggiungi un file alla versione 1")).toHaveCount(0);
});
