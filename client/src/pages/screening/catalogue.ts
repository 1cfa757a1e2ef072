// What a criterion may say (GET /criteria/catalogue, typed only as an object by the API document) read into the
// few lists the criterion form offers, and saved definitions told in a line for the screen.
import type { Schemas } from "../../api/client";
import type { Messages } from "../../i18n";
import { parseCount } from "../registry/edit/draft";
import { splitList } from "../../lib/format";

type FieldCriterion = Schemas["FieldCriterion"];
export type FieldName = FieldCriterion["field"];
export type Operator = FieldCriterion["op"];
export type Definition = Schemas["CriterionCreate"]["definition"];

export interface CatalogueField { field: FieldName; type: string; operators: Operator[]; label: string }
export interface Catalogue {
  fields: CatalogueField[];
  presence: Schemas["Presence"][];
  clusterKinds: Schemas["ClusterKind"][];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** The catalogue's lists, keeping only well-formed entries (an unexpected answer gives empty lists, not a crash). */
export function readCatalogue(raw: unknown): Catalogue {
  const source = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const fields: CatalogueField[] = [];
  for (const item of Array.isArray(source.fields) ? source.fields : []) {
    if (!item || typeof item !== "object") continue;
    const f = item as Record<string, unknown>;
    if (typeof f.field !== "string" || typeof f.type !== "string") continue;
    fields.push({ field: f.field as FieldName, type: f.type, operators: strings(f.operators) as Operator[],
                  label: typeof f.label === "string" ? f.label : f.field });
  }
  return {
    fields,
    presence: strings(source.presence) as Schemas["Presence"][],
    clusterKinds: strings(source.cluster_kinds) as Schemas["ClusterKind"][],
  };
}

export const SET_OPERATORS: Operator[] = ["in", "not_in"];

/** The value of a comparison as typed: numbers for counts, upper-case codes for places, lists for in / not in. */
export function comparisonValue(type: string, op: Operator, text: string): FieldCriterion["value"] | "invalid" {
  const one = (item: string): number | string | "invalid" => {
    if (type === "count") {
      const n = parseCount(item);
      return n === null ? "invalid" : n;
    }
    return type === "kind" ? item.trim() : item.trim().toUpperCase();
  };
  if (SET_OPERATORS.includes(op)) {
    const items = splitList(text).map(one);
    if (items.length === 0 || items.includes("invalid")) return "invalid";
    return items as (number | string)[];
  }
  if (!text.trim()) return "invalid";
  return one(text);
}

type Words = Messages["screening"]["words"];

/** A definition in one line, e.g. "NACE 13, 14, 15 (fashion sectors)" or "enterprises ≥ 50". */
export function describe(definition: Record<string, unknown>, w: Words): string {
  const list = (value: unknown) => (Array.isArray(value) ? value.join(", ") : String(value ?? ""));
  switch (definition.type) {
    case "nace": {
      const label = typeof definition.label === "string" ? ` (${definition.label})` : "";
      return `NACE ${list(definition.prefixes)}${label}`;
    }
    case "field": {
      const field = String(definition.field);
      const op = String(definition.op);
      return `${w.fields[field] ?? field} ${w.operators[op] ?? op} ${list(definition.value)}`;
    }
    case "has": {
      const what = String(definition.what);
      const kinds = Array.isArray(definition.kinds) ? ` (${list(definition.kinds)})` : "";
      return `${w.has}: ${w.presence[what] ?? what}${kinds}`;
    }
    case "supply_chain":
      return `${w.supplyChain}: ${w.directions[String(definition.direction ?? "any")] ?? definition.direction}`;
    case "tags":
      return `${w.tags} (${definition.match === "all" ? w.allOf : w.anyOf}): ${list(definition.tags)}`;
    case "interest":
      return `${w.interest}: ${strings(definition.evidence).map((e) => w.evidence[e] ?? e).join(", ")}`;
    case "all":
    case "any": {
      const parts = Array.isArray(definition.of) ? definition.of : [];
      const joined = parts.map((p) => describe(p as Record<string, unknown>, w)).join(definition.type === "all" ? ` ${w.and} ` : ` ${w.or} `);
      return `(${joined})`;
    }
    case "not":
      return `${w.not} ${describe((definition.of ?? {}) as Record<string, unknown>, w)}`;
    default:
      return String(definition.type ?? "?");
  }
}
