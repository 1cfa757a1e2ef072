// The frame of every screen: header, navigation by role, language switch, and the routed page.
import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Loading, ProblemBox } from "./components/ui";
import { I18nProvider, type Language, messagesFor, setLanguage, useCurrentLanguage, useMessages } from "./i18n";
import { signOut } from "./lib/auth";
import { Link, match, navigate, useLocation } from "./lib/router";
import { hasRole, useSession } from "./lib/session";
import { isCurrent, type PageProps, type Route, routes } from "./routes";

export function App() {
  const lang = useCurrentLanguage();
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <I18nProvider value={lang}>
      <a class="skip" href="#main">{messagesFor(lang).common.skipToContent}</a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Routed />
      </main>
    </I18nProvider>
  );
}

function Header() {
  const m = useMessages();
  const { me } = useSession();
  const { path } = useLocation();
  const lang = useCurrentLanguage();
  const [open, setOpen] = useState(false);
  const visible = routes.filter((r) => r.nav && (!r.roles || hasRole(me, ...r.roles)));
  useEffect(() => setOpen(false), [path]);
  return (
    <header class="top">
      <Link href="/" class="brand">{m.common.appName}</Link>
      <button type="button" class="menu-toggle" aria-expanded={open} aria-controls="main-nav"
              onClick={() => setOpen(!open)}>☰ <span class="sr-only">{m.common.nav.main}</span></button>
      <nav id="main-nav" aria-label={m.common.nav.main} class={open ? "open" : ""}>
        <ul>
          {visible.map((r) => {
            const current = isCurrent(r, path);
            return (
              <li key={r.path}>
                <Link href={r.path} aria-current={current ? "page" : undefined}>{m.common.nav[r.nav!]}</Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div class="account">
        <label class="language">
          <span class="sr-only">{m.common.language}</span>
          <select value={lang} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value as Language)}>
            <option value="it">{m.common.languages.it}</option>
            <option value="en">{m.common.languages.en}</option>
          </select>
        </label>
        {me ? (
          <>
            <span class="who" title={m.common.signedInAs}>
              {me.label} <small>({m.common.roles[me.role] ?? me.role})</small>
            </span>
            <button type="button" onClick={() => { signOut(); navigate("/"); }}>{m.common.signOut}</button>
          </>
        ) : (
          <Link href={`/login?next=${encodeURIComponent(path)}`} class="button">{m.common.signIn}</Link>
        )}
      </div>
    </header>
  );
}

const cache = new Map<Route, ComponentType<PageProps>>();

function Routed() {
  const m = useMessages();
  const { path } = useLocation();
  const { me } = useSession();
  const found = findRoute(path);
  const [page, setPage] = useState<ComponentType<PageProps> | null>(() => (found ? cache.get(found.route) ?? null : null));
  const [failed, setFailed] = useState(false);
  const previous = useRef(path);

  useEffect(() => {
    if (!found) return;
    const known = cache.get(found.route);
    if (known) {
      setPage(() => known);
      return;
    }
    let live = true;
    setPage(null);
    found.route.load().then(
      (mod) => {
        cache.set(found.route, mod.default);
        if (live) setPage(() => mod.default);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [found?.route]);

  // After navigation, move focus to the page so keyboard and screen-reader users start at its content.
  useEffect(() => {
    if (previous.current !== path) {
      previous.current = path;
      document.getElementById("main")?.focus({ preventScroll: false });
      window.scrollTo(0, 0);
    }
  }, [path]);

  if (!found) {
    return (
      <section>
        <h1>{m.common.notFound}</h1>
        <p>{m.common.notFoundText}</p>
      </section>
    );
  }
  if (found.route.roles && !hasRole(me, ...found.route.roles)) {
    return (
      <section>
        <h1>{m.common.signInTitle}</h1>
        <p>{m.common.forbidden}</p>
        {!me && <Link class="button" href={`/login?next=${encodeURIComponent(path)}`}>{m.common.signIn}</Link>}
      </section>
    );
  }
  if (failed) return <ProblemBox problem={{ type: "about:blank", title: m.common.error, status: 0 }} />;
  const Page = page;
  return Page ? <Page params={found.params} /> : <Loading />;
}

function findRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = match(route.path, path);
    if (params) return { route, params };
  }
  return null;
}
