import { defineConfig, devices } from "@playwright/test";

// The end-to-end tests drive the built client served by a real API (started by tests/test_client_e2e.py on a
// temporary database with the demo data, or any running demo: CARTESIO_E2E_BASE_URL=http://127.0.0.1:8000
// CARTESIO_E2E_PASSWORD="$(cat ../var/demo-password)" npx playwright test). The browser is Debian's chromium;
// Playwright's own browser download is not used.
const executablePath = process.env.CARTESIO_E2E_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.CARTESIO_E2E_BASE_URL ?? "http://127.0.0.1:8000",
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: { executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], channel: undefined } },
    { name: "phone", use: { ...devices["Pixel 7"], channel: undefined }, grep: /@phone/ },
  ],
});
