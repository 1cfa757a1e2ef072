import { type APIRequestContext, expect, test } from "@playwright/test";
import { password, signIn } from "./support";

// Each test makes the situation it needs through the API (an event of its own, in the future, so that it takes
// registrations whatever day the tests run), then works through the screens as a person would.

async function token(request: APIRequestContext, email: string): Promise<string> {
  const answer = await request.post("/api/v1/auth/token", { form: { grant_type: "password", username: email, password } });
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()).access_token as string;
}

/** A day some weeks ahead, as the API takes it: Rome time without a zone. */
function ahead(days: number, time: string): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)}T${time}`;
}

async function createEvent(request: APIRequestContext, bearer: string, body: Record<string, unknown>) {
  const answer = await request.post("/api/v1/events", { headers: { Authorization: `Bearer ${bearer}` }, data: {
    kind: "seminar", starts_at: ahead(30, "10:00:00"), ends_at: ahead(30, "13:00:00"), organizer_id: 9,
    venue: "Camera di Commercio di Milano", topics: ["riuso e riciclo"], ...body,
  } });
  expect(answer.status()).toBe(201);
  return (await answer.json()) as { id: number; title: string; sessions: { id: number; title: string }[] };
}

test("register people, fill the event, see the waiting list and the promotion, then check attendance in", async ({ page }) => {
  const stamp = Date.now();
  const officer = await token(page.request, "camera@cartesio.example");
  const event = await createEvent(page.request, officer, { title: `Seminario e2e lista d'attesa ${stamp}`, capacity: 1 });

  // An enterprise finds the event in the calendar and registers two of its people: the second waits.
  await signIn(page, "conceria@cartesio.example");
  await page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Eventi" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Eventi e formazione");
  await page.getByLabel("Testo").fill(String(stamp));
  await page.getByRole("button", { name: "Cerca" }).click();
  const card = page.locator(".event-card", { hasText: event.title });
  await expect(card).toContainText("Posti liberi: 1 su 1");
  await card.getByRole("link", { name: event.title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(event.title);
  await expect(page.getByText(/Iscrivi una persona di Conceria Demo/)).toBeVisible();

  // A malformed e-mail: the API's message sits under the e-mail field.
  await page.getByLabel(/Nome e cognome/).fill("Anna Verdi");
  await page.getByLabel(/^E-mail/).fill("non-una-email");
  await page.getByRole("button", { name: "Iscrivi", exact: true }).click();
  await expect(page.locator(".field.invalid", { has: page.getByLabel(/^E-mail/) })).toContainText("e-mail");

  await page.getByLabel(/^E-mail/).fill(`anna.verdi.${stamp}@example.it`);
  await page.getByRole("button", { name: "Iscrivi", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Iscrizione confermata" })).toContainText("Anna Verdi ha un posto");

  await page.getByLabel(/Nome e cognome/).fill("Bruno Neri");
  await page.getByLabel(/^E-mail/).fill(`bruno.neri.${stamp}@example.it`);
  await page.getByRole("button", { name: "Iscrivi", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "lista d'attesa" }))
    .toContainText("Bruno Neri è in lista d'attesa, posizione 1");
  await expect(page.locator(".facts")).toContainText("Posti esauriti");
  await expect(page.locator(".facts")).toContainText("1 in lista d'attesa");

  // Cancelling Anna's seat gives it to Bruno.
  await page.getByRole("button", { name: "Annulla l'iscrizione: Anna Verdi" }).click();
  await page.getByRole("button", { name: "Sì, procedi" }).click();
  await expect(page.getByRole("status").filter({ hasText: "annullata" })).toContainText("Bruno Neri ha ottenuto il posto liberato");
  await expect(page.locator(".event-registrations li", { hasText: "Bruno Neri" })).toContainText("Confermata");

  // The chamber officer checks Bruno in at the door.
  await signIn(page, "camera@cartesio.example");
  await page.goto(`/events/${event.id}`);
  await page.getByRole("link", { name: "Registro presenze (check-in)" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro presenze");
  await expect(page.getByText("Presenti: 0 su 1 iscritti confermati.")).toBeVisible();
  await page.getByLabel("Cerca un nome").fill("bruno");
  const bruno = page.getByRole("button", { name: /Bruno Neri/ });
  await expect(bruno).toHaveAttribute("aria-pressed", "false");
  await bruno.click();
  await expect(bruno).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator(".checkin-row", { has: bruno })).toContainText("Salvato");
  await expect(page.getByText("Presenti: 1 su 1 iscritti confermati.")).toBeVisible();

  const stats = await (await page.request.get(`/api/v1/events/${event.id}/stats`)).json();
  expect(stats).toMatchObject({ confirmed: 1, waiting: 0, cancelled: 1, attended: 1 });
});

test("a person without an account is asked to confirm by e-mail, and a bad link says so", async ({ page }) => {
  const stamp = Date.now();
  const officer = await token(page.request, "camera@cartesio.example");
  const event = await createEvent(page.request, officer, { title: `Seminario e2e conferma ${stamp}`, capacity: 5 });
  await page.goto(`/events/${event.id}`);
  await page.getByLabel(/Nome e cognome/).fill("Carla Bianchi");
  await page.getByLabel(/^E-mail/).fill(`carla.${stamp}@example.it`);
  await page.getByLabel("Organizzazione").fill("Tessitura Bianchi");
  await page.getByRole("button", { name: "Iscrivi", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Manca un passo" })).toContainText(`carla.${stamp}@example.it`);

  // Past events come latest first, month by month.
  await page.goto("/events?period=past");
  await expect(page.locator(".event-month").first()).toBeVisible();
  const months = await page.locator(".event-month h2").evaluateAll((hs) => hs.map((h) => h.id.replace("month-", "")))
    .then((ids) => ids.filter((id) => id !== "undated"));
  expect(months.length).toBeGreaterThan(1);
  expect(months).toEqual([...months].sort().reverse());

  await page.goto("/registrations/confirm?token=questo-gettone-non-esiste-affatto");
  await expect(page.getByText(/Questo collegamento non è valido/)).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("No registration has this token");
});

test("check-in at the door on a phone, per session @phone", async ({ page }) => {
  const stamp = Date.now();
  const officer = await token(page.request, "camera@cartesio.example");
  const event = await createEvent(page.request, officer, {
    title: `Ciclo e2e check-in ${stamp}`, kind: "training_cycle", capacity: 10,
    sessions: [{ title: "Prima sessione", starts_at: ahead(30, "10:00:00"), ends_at: ahead(30, "11:30:00") },
               { title: "Seconda sessione", starts_at: ahead(30, "11:30:00"), ends_at: ahead(30, "13:00:00") }],
  });
  const enterprise = await token(page.request, "conceria@cartesio.example");
  for (const name of ["Dario Gialli", "Elena Rosa"]) {
    const made = await page.request.post(`/api/v1/events/${event.id}/registrations`, {
      headers: { Authorization: `Bearer ${enterprise}` },
      data: { name, email: `${name.split(" ")[0].toLowerCase()}.${stamp}@example.it` },
    });
    expect(made.status()).toBe(201);
  }

  await signIn(page, "camera@cartesio.example");
  await page.goto(`/events/${event.id}/check-in`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro presenze");
  await page.getByLabel("Sessione").selectOption({ label: "2. Seconda sessione" });
  await page.getByLabel("Cerca un nome").fill("elena");
  await expect(page.getByRole("button", { name: /Dario Gialli/ })).toHaveCount(0);
  const elena = page.getByRole("button", { name: /Elena Rosa/ });
  const box = await elena.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44); // a thumb's target
  expect(box!.width).toBeGreaterThan(250);
  // The first try fails (the network at the door): the row says so, and a retry saves it.
  let failedOnce = false;
  await page.route("**/api/v1/events/*/attendance", (route) => {
    if (route.request().method() !== "PUT" || failedOnce) return route.fallback();
    failedOnce = true;
    return route.fulfill({
      status: 503, contentType: "application/problem+json",
      body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "Try again shortly." }),
    });
  });
  await elena.click();
  const row = page.locator(".checkin-row", { has: elena });
  await expect(row).toContainText("Non salvato.");
  await expect(page.getByRole("alert").first()).toBeVisible();
  await row.getByRole("button", { name: "Riprova: Elena Rosa" }).click();
  await expect(row).toContainText("Salvato");
  await expect(page.getByText("Tutto salvato.")).toBeVisible();

  const stats = await (await page.request.get(`/api/v1/events/${event.id}/stats`)).json();
  const second = event.sessions.find((s) => s.title === "Seconda sessione")!;
  expect(stats.attended).toBe(1);
  expect(stats.sessions).toEqual(expect.arrayContaining([
    expect.objectContaining({ session_id: second.id, attended: 1 }),
  ]));
  await page.screenshot({ path: test.info().outputPath("check-in-phone.png"), fullPage: true });

  // Opened again on a device that remembers nothing, the screen shows who the API has checked in, per session.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro presenze");
  await page.getByLabel("Sessione").selectOption({ label: "1. Prima sessione" });
  await expect(page.getByRole("button", { name: /Elena Rosa/ })).toHaveAttribute("aria-pressed", "false");
  await page.getByLabel("Sessione").selectOption({ label: "2. Seconda sessione" });
  await expect(page.getByRole("button", { name: /Elena Rosa/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: /Dario Gialli/ })).toHaveAttribute("aria-pressed", "false");
});

test("a regional officer runs the check-in of its own Region's event", async ({ page }) => {
  const stamp = Date.now();
  const officer = await token(page.request, "toscana@cartesio.example");
  const me = await (await page.request.get("/api/v1/auth/me", { headers: { Authorization: `Bearer ${officer}` } })).json();
  const event = await createEvent(page.request, officer, {
    title: `Seminario e2e Regione ${stamp}`, capacity: 5, organizer_id: me.organization_id, venue: "Firenze",
  });
  const enterprise = await token(page.request, "conceria@cartesio.example");
  const made = await page.request.post(`/api/v1/events/${event.id}/registrations`, {
    headers: { Authorization: `Bearer ${enterprise}` }, data: { name: "Fabio Verdi", email: `fabio.${stamp}@example.it` },
  });
  expect(made.status()).toBe(201);

  await signIn(page, "toscana@cartesio.example");
  await page.goto(`/events/${event.id}`);
  await page.getByRole("link", { name: "Registro presenze (check-in)" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro presenze");
  await expect(page.getByRole("navigation", { name: "Navigazione principale" }).getByRole("link", { name: "Eventi" }))
    .toHaveAttribute("aria-current", "page");
  const fabio = page.getByRole("button", { name: /Fabio Verdi/ });
  await fabio.click();
  await expect(page.locator(".checkin-row", { has: fabio })).toContainText("Salvato");
  await expect(page.getByText("Presenti: 1 su 1 iscritti confermati.")).toBeVisible();
  const attendance = await (await page.request.get(`/api/v1/events/${event.id}/attendance`, {
    headers: { Authorization: `Bearer ${officer}` } })).json();
  expect(attendance).toEqual([expect.objectContaining({ session_id: null, attended: true })]);
});
