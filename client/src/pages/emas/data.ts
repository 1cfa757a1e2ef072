// What the EMAS screens read from the API beyond a single call: the requirements catalogue (read once), every
// resource across pages with its versions, and which clusters an organization belongs to.
import { api, type Schemas } from "../../api/client";
import { everyItem } from "../../lib/paging";
import type { Result } from "../../lib/useApi";
import type { Requirement, Version } from "./logic";

export type Resource = Schemas["ResourceRead"];
export type ResourceType = Schemas["ResourceType"];

export const RESOURCE_TYPES: ResourceType[] = [
  "territorial_environmental_analysis", "legal_register", "environmental_policy_template", "ems_manual", "procedure",
  "training_programme", "internal_audit_programme", "common_environmental_statement", "indicator_set",
  "emergency_plan", "communication_plan", "other",
];

/** A firm's coverage of the Regulation's requirements (GET /organizations/{id}/emas-coverage). */
export type Coverage = Schemas["OrganizationCoverage"];

export function ok<T>(data: T, response: Response): Result<T> {
  return { data, response };
}

/** A failed read, passed on as the failure of a load that wanted something else from it. */
export function failed(r: { error?: unknown; response: Response }): Result<never> {
  return { error: r.error, response: r.response };
}

// The catalogue is reference data (the API lets it be cached for an hour): one request per visit is enough.
let catalogue: Promise<Result<Requirement[]>> | null = null;

export function loadRequirements(): Promise<Result<Requirement[]>> {
  if (!catalogue) {
    catalogue = api.GET("/api/v1/emas/requirements").then((r) => {
      if (!r.data) catalogue = null; // try again next time
      return r;
    });
  }
  return catalogue;
}

/** Every resource matching the filters, following the cursors (bounded, for the lists that must see them all). */
export async function loadAllResources(signal: AbortSignal, query: { cluster_id?: number; type?: ResourceType } = {}):
  Promise<Result<Resource[]>> {
  return everyItem((cursor) => api.GET("/api/v1/emas/resources", {
    signal, params: { query: { ...query, cursor, limit: 200 } },
  }), 25);
}

/** Runs `task` over the items a few at a time: one request per resource must not trip the API's rate limit. */
export async function pooled<T, R>(items: T[], task: (item: T) => Promise<R>, width = 6): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/** Each resource with its versions: the validation state belongs to versions, and the list does not carry it. */
export async function withVersions(resources: Resource[], signal: AbortSignal):
  Promise<{ resource: Resource; versions: Version[] }[]> {
  const versions = await pooled(resources, (r) => api.GET("/api/v1/emas/resources/{resource_id}/versions", {
    signal, params: { path: { resource_id: r.id } },
  }));
  return resources.map((resource, i) => ({ resource, versions: versions[i].data ?? [] }));
}

/** Names of the clusters, for lists of resources that carry only a cluster's id. */
export async function loadClusterNames(signal: AbortSignal): Promise<Result<Map<number, string>>> {
  const r = await api.GET("/api/v1/clusters", { signal, params: { query: { limit: 200, sort: "name" } } });
  if (!r.data) return failed(r);
  return ok(new Map(r.data.items.map((c) => [c.id, c.name])), r.response);
}

/**
 * Which of these clusters the organization currently belongs to. The API has no "clusters of an organization"
 * (an enterprise's /auth/me lists none), so each cluster's current members are read.
 */
export async function memberOf(organizationId: number, clusterIds: number[], signal: AbortSignal): Promise<Set<number>> {
  const found = new Set<number>();
  await pooled([...new Set(clusterIds)], async (clusterId) => {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await api.GET("/api/v1/clusters/{cluster_id}/members", {
        signal, params: { path: { cluster_id: clusterId }, query: { current: true, limit: 200, cursor } },
      });
      if (!r.data) return;
      if (r.data.items.some((m) => m.organization.id === organizationId)) {
        found.add(clusterId);
        return;
      }
      if (!r.data.next_cursor) return;
      cursor = r.data.next_cursor;
    }
  });
  return found;
}
