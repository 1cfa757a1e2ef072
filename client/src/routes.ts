// Every screen of the client: its address, who may open it, and the module that draws it (loaded on demand,
// so the first page carries only what it shows).
import type { ComponentType } from "preact";
import type { Messages } from "./i18n";
import type { Role } from "./lib/session";

export interface PageProps {
  params: Record<string, string>;
}

type Module = Promise<{ default: ComponentType<PageProps> }>;

export interface Route {
  path: string;
  load: () => Module;
  /** Roles that may open it (admins always may); absent for public screens. */
  roles?: Role[];
  /** Shown in the main navigation under this label. */
  nav?: keyof Messages["common"]["nav"];
}

export const routes: Route[] = [
  { path: "/", load: () => import("./pages/registry/RegistryPage"), nav: "registry" },
  { path: "/clusters", load: () => import("./pages/registry/RegistryPage") },
  { path: "/clusters/:id", load: () => import("./pages/registry/ClusterPage") },
  { path: "/clusters/:id/edit", load: () => import("./pages/registry/ClusterEditPage"),
    roles: ["region_officer", "cluster_manager"] },
  // The comparison before the product page, whose ":id" would take "comparison" too.
  { path: "/products/comparison", load: () => import("./pages/products/ComparisonPage") },
  { path: "/products/:id", load: () => import("./pages/products/ProductPage") },
  { path: "/map", load: () => import("./pages/map/MapPage"), nav: "map" },
  { path: "/dashboards", load: () => import("./pages/dashboards/DashboardsPage"), nav: "dashboards" },
  { path: "/datasets", load: () => import("./pages/datasets/DatasetsPage"), nav: "datasets" },
  { path: "/events", load: () => import("./pages/events/EventsPage"), nav: "events" },
  { path: "/events/:id", load: () => import("./pages/events/EventPage") },
  { path: "/events/:id/check-in", load: () => import("./pages/events/CheckInPage"),
    roles: ["chamber_officer", "region_officer", "cluster_manager"] },
  { path: "/registrations/confirm", load: () => import("./pages/events/ConfirmPage") },
  { path: "/emas/resources", load: () => import("./pages/emas/ResourcesPage"), nav: "resources",
    roles: ["cluster_manager", "verifier", "region_officer"] },
  { path: "/emas/resources/:id", load: () => import("./pages/emas/ResourcePage"),
    roles: ["cluster_manager", "verifier", "region_officer", "enterprise"] },
  { path: "/coverage", load: () => import("./pages/emas/CoveragePage"), nav: "coverage", roles: ["enterprise"] },
  { path: "/calls", load: () => import("./pages/calls/CallsPage"), nav: "calls" },
  { path: "/calls/:id", load: () => import("./pages/calls/CallPage") },
  { path: "/applications/:id", load: () => import("./pages/calls/ApplicationPage"),
    roles: ["enterprise", "evaluator", "chamber_officer", "region_officer"] },
  { path: "/evaluations", load: () => import("./pages/calls/EvaluationsPage"), nav: "evaluations",
    roles: ["evaluator"] },
  { path: "/territory", load: () => import("./pages/territory/TerritoryPage"), nav: "territory" },
  { path: "/screening", load: () => import("./pages/screening/ScreeningPage"), nav: "screening",
    roles: ["region_officer"] },
  { path: "/login", load: () => import("./pages/LoginPage") },
];

/** The addresses a navigation entry stands for beyond its own: the screens reached from its list. */
const SECTIONS: Partial<Record<NonNullable<Route["nav"]>, string[]>> = {
  registry: ["/clusters", "/products"],
  calls: ["/applications"],
  resources: ["/emas"],
};

/** Whether the address belongs to a navigation entry (marked aria-current): its own path or its sections'. */
export function isCurrent(route: Route, path: string): boolean {
  // "/" is the home page only, not a prefix of every address.
  const under = (prefix: string) => prefix === "/" ? path === "/" : path === prefix || path.startsWith(`${prefix}/`);
  return [route.path, ...(route.nav ? SECTIONS[route.nav] ?? [] : [])].some(under);
}
