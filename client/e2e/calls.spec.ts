import { type APIRequestContext, expect, test } from "@playwright/test";
import { password, signIn } from "./support";

// The demo call's phases are long closed (and it is for Lombard firms), so each test opens a call of its own
// through the API: open since yesterday, for Tuscan enterprises like the demo enterprise (Santa Croce, ITI17).

async function token(request: APIRequestContext, email: string, secret = password): Promise<string> {
  const res = await request.post("/api/v1/auth/token", { form: { grant_type: "password", username: email, password: secret } });
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()).access_token as string;
}

const auth = (bearer: string) => ({ Authorization: `Bearer ${bearer}` });

async function openCall(request: APIRequestContext, admin: string, label: string): Promise<{ id: number; title: string }> {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const title = `Bando di prova ${label} ${stamp}`;
  const day = 24 * 3600 * 1000;
  const res = await request.post("/api/v1/calls", { headers: auth(admin), data: {
    slug: `e2e-${label}-${stamp}`, title_it: title, title_en: `Test call ${label} ${stamp}`,
    description_it: "Bando creato dai test end-to-end.", categories: ["riutilizzo", "eco design"],
    funders: [{ key: "regione-toscana", name: "Regione Toscana", role: "region", contribution: "500000.00" }],
    charge_rule: [{ funder: "region", share: "1" }],
    eligibility: { regions: ["ITI1"], kinds: ["enterprise"] },
    max_grant: "100000.00", cofinancing_rate: "0.5", required_documents: ["piano di progetto"],
    phases: [{ name: "Presentazione", opens_at: new Date(Date.now() - day).toISOString(),
               closes_at: new Date(Date.now() + 30 * day).toISOString() }],
    criteria: [{ code: "qualita", name: "Qualità del progetto", weight: "2", max_score: "10" },
               { code: "impatto", name: "Impatto ambientale", weight: "1", max_score: "10" }],
  } });
  expect(res.status(), await res.text()).toBe(201);
  return { id: (await res.json()).id as number, title };
}

test("an enterprise starts, completes and submits an application", async ({ page }) => {
  const admin = await token(page.request, "admin@cartesio.example");
  const call = await openCall(page.request, admin, "domanda");
  page.on("dialog", (dialog) => dialog.accept());

  await signIn(page, "conceria@cartesio.example");
  await page.goto("/calls");
  await page.getByRole("link", { name: call.title }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(call.title);
  await expect(page.getByText("Aperto", { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Dotazione e utilizzo" })).toBeVisible();

  await page.getByRole("button", { name: "Presenta una domanda" }).click();
  // Nothing in the title and an amount with three decimals: the API's messages appear beside both fields.
  await page.getByLabel("Importo richiesto").fill("1000,125");
  await page.getByRole("button", { name: "Crea la bozza" }).click();
  const title = page.getByLabel("Titolo del progetto");
  await expect(title).toHaveAttribute("aria-invalid", "true");
  await expect(title).toHaveAccessibleDescription(/at least 1 character/);
  await expect(page.getByLabel("Importo richiesto")).toHaveAttribute("aria-invalid", "true");

  await title.fill("Recupero degli scarti di conceria");
  await page.getByLabel("Importo richiesto").fill("40.000,50");
  await page.getByLabel("Categoria").selectOption("riutilizzo");
  await page.getByRole("button", { name: /Aggiungi una voce/ }).click();
  await page.getByLabel("Voce 1", { exact: true }).fill("Impianto di recupero");
  await page.getByLabel("Importo 1", { exact: true }).fill("90000");
  await page.getByRole("button", { name: "Crea la bozza" }).click();

  await expect(page).toHaveURL(/\/applications\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Recupero degli scarti di conceria");
  await expect(page.locator(".calls-state-line [data-state]")).toHaveText("bozza");

  // The draft changes elsewhere meanwhile: the page's save carries If-Match with the ETag it read, so it is
  // refused (412), and the page shows the current version to change again.
  const enterprise = await token(page.request, "conceria@cartesio.example");
  const elsewhere = await page.request.patch(`/api/v1/applications/${id}`, {
    headers: auth(enterprise), data: { category: "eco design" } });
  expect(elsewhere.status(), await elsewhere.text()).toBe(200);
  await page.getByLabel("Sintesi del progetto").fill("Gli scarti di lavorazione tornano materia prima.");
  await page.getByRole("button", { name: "Salva la bozza" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "modificata altrove" })).toBeVisible();
  await expect(page.getByLabel("Categoria")).toHaveValue("eco design");
  await expect(page.getByLabel("Sintesi del progetto")).toHaveValue("");
  await page.getByLabel("Sintesi del progetto").fill("Gli scarti di lavorazione tornano materia prima.");
  await page.getByRole("button", { name: "Salva la bozza" }).click();
  await expect(page.getByText("Bozza salvata.")).toBeVisible();

  // The required document, uploaded with its progress.
  await page.getByLabel("Allega: piano di progetto").setInputFiles({
    name: "piano.txt", mimeType: "text/plain", buffer: Buffer.from("Piano di progetto di prova.\n".repeat(200)),
  });
  await expect(page.getByText("piano.txt caricato.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "piano.txt" })).toBeVisible();

  await page.getByRole("button", { name: "Presenta la domanda" }).click();
  await expect(page.locator(".calls-state-line [data-state]")).toHaveText("presentata");
  await expect(page.getByText("Domanda presentata.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Storico degli stati" })).toBeVisible();
  await expect(page.locator("ol.calls-history li")).toHaveCount(2);

  const res = await page.request.get(`/api/v1/applications/${id}`, { headers: auth(enterprise) });
  expect(res.status()).toBe(200);
  const app = await res.json();
  expect(app.state).toBe("submitted");
  expect(app.call_id).toBe(call.id);
  expect(app.requested).toBe("40000.50");
  expect(app.summary).toContain("materia prima");
  expect(app.category).toBe("eco design");
});

test("an assigned evaluator scores an application, a score above the maximum shown beside its field", async ({ page }) => {
  const request = page.request;
  const admin = await token(request, "admin@cartesio.example");
  const enterprise = await token(request, "conceria@cartesio.example");
  const call = await openCall(request, admin, "valutazione");

  // An application submitted and found admissible, through the API.
  const created = await request.post("/api/v1/applications", { headers: auth(enterprise), data: {
    call_id: call.id, title: "Progetto da valutare", requested: "30000", budget_lines: [{ label: "Macchinari", amount: "80000" }],
  } });
  expect(created.status(), await created.text()).toBe(201);
  const appId = (await created.json()).id as number;
  const put = await request.put(`/api/v1/applications/${appId}/attachments/piano.txt?document=piano%20di%20progetto`, {
    headers: { ...auth(enterprise), "Content-Type": "application/octet-stream" }, data: Buffer.from("piano\n"),
  });
  expect(put.status(), await put.text()).toBe(201);
  expect((await request.post(`/api/v1/applications/${appId}/submit`, { headers: auth(enterprise) })).status()).toBe(200);
  expect((await request.post(`/api/v1/applications/${appId}/transitions`, {
    headers: auth(admin), data: { to: "admissible" } })).status()).toBe(200);

  // Evaluation starts with two evaluators: the demo one and another made for this test.
  const evaluator = await token(request, "valutatore@cartesio.example");
  const me = await (await request.get("/api/v1/auth/me", { headers: auth(evaluator) })).json();
  const second = await request.post("/api/v1/users", { headers: auth(admin), data: {
    email: `valutatore-${Date.now()}@cartesio.example`, password: "second-evaluator-password-1", role: "evaluator",
  } });
  expect(second.status(), await second.text()).toBe(201);
  for (const evaluatorId of [me.id, (await second.json()).id]) {
    const assigned = await request.post(`/api/v1/applications/${appId}/assignments`, {
      headers: auth(admin), data: { evaluator_id: evaluatorId } });
    expect(assigned.status(), await assigned.text()).toBe(201);
  }

  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "valutatore@cartesio.example");
  await page.getByRole("link", { name: "Valutazioni" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Le tue valutazioni");
  const row = page.getByRole("row", { name: /Progetto da valutare/ }).filter({ hasText: "da consegnare" }).last();
  await expect(row).toBeVisible();
  await row.getByRole("link", { name: "Progetto da valutare" }).click();

  await expect(page.getByRole("heading", { name: "La tua valutazione" })).toBeVisible();
  const quality = page.getByLabel(/Punteggio: Qualità del progetto/);
  await quality.fill("11");
  await page.getByLabel(/Punteggio: Impatto ambientale/).fill("6");
  await page.getByLabel(/Commento: Qualità del progetto/).fill("Solido.");
  await page.getByRole("button", { name: "Consegna la valutazione" }).click();
  await expect(quality).toHaveAttribute("aria-invalid", "true");
  await expect(quality).toHaveAccessibleDescription(/above the maximum/);

  await quality.fill("8,5");
  await expect(page.getByText("Totale ponderato (anteprima)")).toContainText("7,667");
  await page.getByRole("button", { name: "Consegna la valutazione" }).click();
  await expect(page.getByRole("heading", { name: "I tuoi punteggi" })).toBeVisible();
  await expect(page.getByText("Valutazioni consegnate: 1 su 2.")).toBeVisible();
  await expect(page.locator("tr", { has: page.getByRole("cell", { name: "tu", exact: true }) })).toContainText("7,667");

  const ev = await (await request.get(`/api/v1/applications/${appId}/evaluations`, { headers: auth(evaluator) })).json();
  const mine = ev.evaluations.find((e: { evaluator_id: number }) => e.evaluator_id === me.id);
  expect(mine.submitted_at).toBeTruthy();
  expect(mine.scores.qualita.score).toBe("8.5");
});

test("the calls and a call's budget read well on a phone @phone", async ({ page }) => {
  await page.goto("/calls");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bandi");
  await page.getByRole("link", { name: "Innovazione delle filiere di Economia Circolare in Lombardia" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Economia Circolare");
  await expect(page.getByRole("row", { name: /Regione Lombardia/ }).first()).toBeVisible();
  await expect(page.getByText("Date non indicate").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Accedi" }).last()).toBeVisible();
  // Nothing wider than the screen: tables scroll inside their own frame.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
});

test("the call's manager reads the ranking in rank order and follows it to an application", async ({ page }) => {
  const admin = await token(page.request, "admin@cartesio.example");
  const calls = await (await page.request.get("/api/v1/calls?limit=200")).json();
  const demo = calls.items.find((c: { title_it: string }) => c.title_it.includes("Economia Circolare in Lombardia"));
  const ranking = await (await page.request.get(`/api/v1/calls/${demo.id}/ranking`, { headers: auth(admin) })).json();
  expect(ranking.length).toBeGreaterThan(1);

  await signIn(page, "admin@cartesio.example");
  await page.goto(`/calls/${demo.id}`);
  const section = page.getByRole("region", { name: "Graduatoria" });
  const rows = section.locator("tbody tr");
  await expect(rows).toHaveCount(ranking.length);
  // The API's order, each row with its rank.
  for (const [i, app] of ranking.slice(0, 3).entries()) {
    await expect(rows.nth(i).locator("td").first()).toHaveText(String(app.rank));
    await expect(rows.nth(i)).toContainText(app.title);
  }
  await rows.first().getByRole("link", { name: ranking[0].title }).click();
  await expect(page).toHaveURL(new RegExp(`/applications/${ranking[0].id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(ranking[0].title);
  // An application belongs to the calls: their entry stays marked as the current one.
  await expect(page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Bandi" }))
    .toHaveAttribute("aria-current", "page");
});
