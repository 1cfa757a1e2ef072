// The one way the client talks to the API: openapi-fetch typed by the committed OpenAPI document.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../lib/session";

export type Schemas = components["schemas"];

/** Where the API lives: the page's own origin when the API serves the client, or the dev server's setting. */
export const apiBase = (typeof __API_URL__ !== "undefined" && __API_URL__) || "";

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token && !request.headers.has("Authorization")) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // An expired or revoked token: forget it, so the next screen shows what anonymous callers see.
    if (response.status === 401 && session.token()) session.expire();
    return response;
  },
};

// Answers are read as JSON here; CSV, calendars and files are fetched as downloads (lib/download.ts).
export const api = createClient<paths, `${string}/${string}json`>({ baseUrl: apiBase || (typeof location !== "undefined" ? location.origin : "") });
api.use(auth);

/** Absolute address of an API path, for links the browser follows itself (downloads, calendars, PDFs). */
export function apiUrl(path: string, query?: Record<string, string | number | undefined | null>): string {
  const base = apiBase || (typeof location !== "undefined" ? location.origin : "http://localhost");
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.toString();
}
