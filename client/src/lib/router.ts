// A small history router: paths are real addresses (the API serves the client for any non-API path).
import { h, type ComponentChildren, type JSX } from "preact";
import { store, useStore } from "./store";

export interface Location {
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  if (typeof location === "undefined") return { path: "/", query: new URLSearchParams() };
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

const current = store<Location>(read());

if (typeof window !== "undefined") {
  window.addEventListener("popstate", () => current.set(read()));
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) {
    location.href = url.toString();
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (options.replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  current.set(read());
}

/** Changes the query string of the current page (filters, sort, cursor) without adding history entries. */
export function setQuery(values: Record<string, string | number | null | undefined>, replace = true): void {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") query.delete(key);
    else query.set(key, String(value));
  }
  const search = query.toString();
  navigate(location.pathname + (search ? `?${search}` : ""), { replace });
}

export function useLocation(): Location {
  return useStore(current);
}

/** Matches "/clusters/:id" against a path; the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

type AnchorProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An anchor that navigates inside the client; modified clicks (new tab...) keep their usual meaning. */
export function Link(props: AnchorProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return;
    event.preventDefault();
    navigate(props.href);
  };
  return h("a", { ...props, onClick } as JSX.HTMLAttributes<HTMLAnchorElement>);
}
