// The public data screens on the demo data: the map, the dashboards (and how soon the first one is drawn), the
// open datasets. Anonymous, as the public sees them; where the demo data lack something to show (a cluster with
// coordinates, a frozen release), it is first made through the API by the role that may.
import { createHash } from "node:crypto";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { password } from "./support";

interface Cluster {
  id: number;
  name: string;
  region_code: string | null;
  latitude: number | null;
  longitude: number | null;
}

async function tokenFor(request: APIRequestContext, email: string): Promise<string> {
  const answer = await request.post("/api/v1/auth/token", { form: { grant_type: "password", username: email, password } });
  expect(answer.ok(), await answer.text()).toBeTruthy();
  return (await answer.json()).access_token as string;
}

async function allClusters(request: APIRequestContext): Promise<Cluster[]> {
  const items: Cluster[] = [];
  let cursor: string | null = null;
  do {
    const answer = await request.get("/api/v1/clusters", { params: { limit: 100, sort: "id", ...(cursor ? { cursor } : {}) } });
    const page: { items: Cluster[]; next_cursor?: string | null } = await answer.json();
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return items;
}

const MAPPED = "Distretto E2E del mobile di Poggibonsi";

/** The demo clusters have no coordinates: the Tuscan officer records one that has (removed again after the test). */
async function clusterWithCoordinates(request: APIRequestContext, token: string): Promise<number> {
  const found = await (await request.get("/api/v1/clusters", { params: { q: MAPPED } })).json();
  if (found.items.length) return found.items[0].id as number;
  const made = await request.post("/api/v1/clusters", {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: MAPPED, kind: "industrial_district", country: "IT", region_code: "ITI1A", locality: "Poggibonsi",
            latitude: 43.4667, longitude: 11.15, sectors: [{ label: "Mobile", nace: ["31"] }] },
  });
  expect(made.status(), await made.text()).toBe(201);
  return (await made.json()).id as number;
}

test("the map draws the Italian regions and a marker for every cluster it can place", async ({ page, request }) => {
  const token = await tokenFor(request, "toscana@cartesio.example");
  const mappedId = await clusterWithCoordinates(request, token);
  // Other suites count the demo clusters: leave the register as it was found.
  try {
    await mapShowsEveryPlaceableCluster(page, request, mappedId);
  } finally {
    await request.delete(`/api/v1/clusters/${mappedId}`, { headers: { Authorization: `Bearer ${token}` } });
  }
});

async function mapShowsEveryPlaceableCluster(page: Page, request: APIRequestContext, mappedId: number): Promise<void> {
  const clusters = await allClusters(request);
  await page.goto("/map");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mappa dei cluster");
  // Loading follows the cursors with a progress bar; when it is gone, every page has arrived.
  await expect(page.locator(".map-page [role=status]")).toHaveCount(0);

  const svg = page.locator(".map-canvas svg");
  await expect(svg.locator("path.region")).toHaveCount(21);
  await expect(svg.locator('path.region[data-region="ITI1"]')).toHaveCount(1);

  const withCoordinates = clusters.filter((c) => c.latitude !== null && c.longitude !== null);
  expect(withCoordinates.length).toBeGreaterThan(0);
  for (const c of withCoordinates) {
    const marker = svg.locator(`a.marker[data-cluster="${c.id}"]`);
    await expect(marker).toHaveCount(1);
    await expect(marker).not.toHaveAttribute("data-approximate", "true");
  }
  // Without coordinates, an Italian NUTS code puts the cluster at its region's centre, marked as approximate.
  const byRegion = clusters.filter((c) => c.latitude === null && /^IT[CFGHI]\d/.test(c.region_code ?? ""));
  for (const c of byRegion) {
    await expect(svg.locator(`a.marker[data-cluster="${c.id}"]`)).toHaveAttribute("data-approximate", "true");
  }
  // Elsewhere the country's centre serves, also marked as approximate: every demo cluster is on the map.
  const byCountry = clusters.filter((c) => c.latitude === null && !byRegion.includes(c));
  expect(byCountry.length).toBeGreaterThan(0);
  for (const c of byCountry) {
    await expect(svg.locator(`a.marker[data-cluster="${c.id}"]`)).toHaveAttribute("data-approximate", "true");
  }
  await expect(svg.locator("a.marker")).toHaveCount(withCoordinates.length + byRegion.length + byCountry.length);

  // The name shows on focus, and the marker is a link to the cluster's page.
  const marker = svg.locator(`a.marker[data-cluster="${mappedId}"]`);
  await marker.focus();
  await expect(page.locator(".map-tip")).toHaveText(MAPPED);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/clusters/${mappedId}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(MAPPED);
}

test("the list beside the map names every cluster, sector in words, and where each is placed", async ({ page, request }) => {
  const clusters = await allClusters(request);
  // The demo register fits in one page of 100: split the API's answer in two, to see the map follow the cursor.
  const asked: URL[] = [];
  await page.route(/\/api\/v1\/clusters\?/, async (route) => {
    const url = new URL(route.request().url());
    asked.push(new URL(url));
    const second = url.searchParams.get("cursor") === "e2e-second";
    if (second) url.searchParams.delete("cursor");
    const real = await route.fetch({ url: url.toString() });
    const page = (await real.json()) as { items: Cluster[] };
    const items = second ? page.items.slice(5) : page.items.slice(0, 5);
    await route.fulfill({ response: real, json: { ...page, items, next_cursor: second ? null : "e2e-second" } });
  });
  await page.goto("/map");
  const rows = page.locator("table.map-list tbody tr");
  await expect(rows).toHaveCount(clusters.length);
  const byCountry = page.locator("table.map-list tbody tr", { hasText: "ECO-Cluster Appennino Tosco Emiliano" });
  await expect(byCountry).toContainText("centro del paese: Italia");
  await expect(byCountry).toContainText("Settore non indicato");
  await expect(page.locator("table.map-list tbody tr", { hasText: "Distretto tessile di Prato" }))
    .toContainText("centro della regione Toscana");
  expect(asked.map((u) => [u.searchParams.get("limit"), u.searchParams.get("cursor")])).toEqual([["100", null], ["100", "e2e-second"]]);
  await expect(page.getByRole("heading", { name: "Legenda" })).toBeVisible();
  // Switching to Italy keeps the choice in the address.
  await page.getByRole("button", { name: "Italia" }).click();
  await expect(page).toHaveURL(/view=italy/);
  await expect(page.getByRole("button", { name: "Italia" })).toHaveAttribute("aria-pressed", "true");
});

test("the first dashboard is drawn within a second of navigation", async ({ page }) => {
  // Timed inside the page: performance.now() counts from the navigation's start, and a MutationObserver installed
  // before any script notes the moment the chart's box says data-ready="true". So the figure covers the HTML,
  // both script chunks, the API's answer and the drawing, and none of Playwright's own round-trips.
  await page.addInitScript(() => {
    const w = window as unknown as { __clustersReadyAt?: number };
    new MutationObserver(() => {
      if (w.__clustersReadyAt === undefined && document.querySelector('[data-chart="clusters"][data-ready="true"]'))
        w.__clustersReadyAt = performance.now();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
  });
  await page.goto("/dashboards");
  const chart = page.locator('[data-chart="clusters"]');
  await expect(chart).toHaveAttribute("data-ready", "true");
  const readyAt = await page.evaluate(() => (window as unknown as { __clustersReadyAt?: number }).__clustersReadyAt);
  expect(readyAt, "time from navigation start to the first chart drawn, in ms").toBeDefined();
  test.info().annotations.push({ type: "first chart drawn (ms from navigation start)", description: readyAt!.toFixed(0) });
  expect(readyAt!).toBeLessThan(1000);

  await expect(page.getByRole("heading", { name: "Cluster per settore (divisione NACE)" })).toBeVisible();
  const figure = page.locator("figure", { has: chart });
  await figure.getByText("Tabella dei dati").click();
  await expect(figure.getByRole("row", { name: /13 Industrie tessili/ })).toBeVisible();
  // Every chart has a heading and a table alternative. The other panels ask the API only once the first chart
  // is drawn, so they are waited for rather than counted at once (a loaded machine takes its time).
  const charts = page.locator("figure.chart-card");
  await expect.poll(() => charts.count()).toBeGreaterThan(5);
  await expect(page.locator("figure.chart-card:not(:has(h3))")).toHaveCount(0);
  await expect(page.locator("figure.chart-card:has(canvas):not(:has(details table))")).toHaveCount(0);
});

test("dashboard filters live in the address and the API's complaints show beside the field", async ({ page, request }) => {
  await page.goto("/dashboards");
  await page.getByLabel("Raggruppa per").selectOption("country");
  await expect(page).toHaveURL(/group_by=country/);
  const figure = page.locator("figure", { has: page.locator('[data-chart="clusters"]') });
  await figure.getByText("Tabella dei dati").click();
  await expect(figure.getByRole("row", { name: /Italia/ })).toBeVisible();

  await page.getByLabel("Regione (NUTS)").fill("iti1");
  await page.getByRole("button", { name: "Applica" }).click();
  await expect(page).toHaveURL(/region=ITI1/);
  const tuscan = await (await request.get("/api/v1/stats/clusters", { params: { region: "ITI1" } })).json();
  await expect(page.getByText(`${tuscan.total} cluster corrispondono ai filtri.`)).toBeVisible();

  // A value the API refuses (set in the address by hand): its message stands next to that field.
  await page.goto("/dashboards?sector=tessile");
  const field = page.locator(".field", { has: page.getByLabel("Settore (NACE)") });
  await expect(field).toHaveClass(/invalid/);
  await expect(field.locator(".field-error")).toBeVisible();
});

test("the open datasets show licence, dictionary, working downloads, releases and the catalogue", async ({ page, request }) => {
  // A frozen release to show: only administrators make them.
  const token = await tokenFor(request, "admin@cartesio.example");
  const made = await request.post("/api/v1/datasets/clusters/releases", { headers: { Authorization: `Bearer ${token}` } });
  expect(made.status(), await made.text()).toBe(201);
  const release = await made.json();

  await page.goto("/datasets");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dati aperti");
  const card = page.locator("article#dataset-clusters");
  await expect(card.getByRole("heading", { level: 2 })).toHaveText("Cluster e distretti");
  const licence = card.getByRole("link", { name: "CC-BY-4.0" });
  await expect(licence).toHaveAttribute("href", /creativecommons\.org\/licenses\/by\/4\.0/);

  await card.getByText(/Dizionario dei dati/).click();
  const dictionary = card.locator("details.dictionary table");
  await expect(dictionary).toBeVisible();
  await expect(dictionary.locator("tr", { hasText: "Latitude (WGS 84)" })).toContainText("degree");
  await expect(dictionary.locator("tr", { hasText: "Kind of cluster" })).toContainText("industrial_district");
  const fields = await dictionary.locator("tbody th").allTextContents();

  // The CSV link works and its header row is the dictionary's fields, in order.
  const csvHref = await card.getByRole("link", { name: "Scarica Cluster e distretti in CSV" }).getAttribute("href");
  expect(csvHref).toContain("/api/v1/datasets/clusters/download?format=csv");
  const csv = await page.request.get(csvHref!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect((await csv.text()).split(/\r?\n/)[0]).toBe(fields.join(","));
  for (const format of ["JSON Lines", "JSON"]) {
    const href = await card.getByRole("link", { name: `Scarica Cluster e distretti in ${format}`, exact: true }).getAttribute("href");
    expect((await page.request.get(href!)).status()).toBe(200);
  }

  // The release made above, with its files' sha256, and the file's bytes match it.
  const shown = card.locator(`[data-release="${release.number}"]`);
  await expect(shown).toContainText(`Versione ${release.number}`);
  await expect(shown).toContainText(release.files.csv.sha256);
  const fileHref = await shown.getByRole("link", { name: `Scarica la versione ${release.number} in CSV` }).getAttribute("href");
  const bytes = await (await page.request.get(fileHref!)).body();
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(release.files.csv.sha256);

  // The DCAT-AP catalogue, both ways.
  const jsonld = await page.request.get((await page.getByRole("link", { name: "JSON-LD" }).getAttribute("href"))!);
  expect(jsonld.headers()["content-type"]).toContain("application/ld+json");
  const turtle = await page.request.get((await page.getByRole("link", { name: "Turtle" }).getAttribute("href"))!);
  expect(turtle.headers()["content-type"]).toContain("text/turtle");
});

test("the map and its list fit a phone's width @phone", async ({ page }) => {
  await page.goto("/map");
  const svg = page.locator(".map-canvas svg");
  await expect(svg.locator("path.region")).toHaveCount(21);
  await expect(page.locator(".map-page [role=status]")).toHaveCount(0);
  const viewport = page.viewportSize()!;
  const box = (await svg.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  // Nothing makes the page itself scroll sideways (wide tables scroll inside their own box).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
  await expect(page.getByRole("heading", { name: "Legenda" })).toBeVisible();
  await page.getByRole("link", { name: "Vai all'elenco dei cluster" }).click();
  await expect(page.getByRole("heading", { name: "Elenco dei cluster" })).toBeFocused();
  await expect(page.locator("table.map-list tbody tr").first()).toBeVisible();
});
