import { defineConfig } from "vitest/config";

// `npm run dev` serves the client on its own at http://localhost:5173. By default it forwards /api to the API
// on 127.0.0.1:8000; CARTESIO_API_URL points it at an API elsewhere instead (that API must allow this origin in
// CARTESIO_CORS_ORIGINS). The built client is served by the API itself at `/`.
const apiUrl = process.env.CARTESIO_API_URL ?? "";

export default defineConfig({
  define: { __API_URL__: JSON.stringify(apiUrl) },
  server: {
    port: 5173,
    proxy: apiUrl ? undefined : { "/api": "http://127.0.0.1:8000" },
  },
  build: { target: "es2022", sourcemap: false, manifest: true },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
