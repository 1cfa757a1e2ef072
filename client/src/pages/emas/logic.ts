// The pure rules the EMAS screens share: the requirements tree (search, leaves, groups), a resource's state from
// its versions, and an upload's problem said at its field.
import type { Schemas } from "../../api/client";
import type { Problem } from "../../lib/problem";

export type Requirement = Schemas["RequirementNode"];
export type Version = Schemas["ResourceVersionRead"];

/** Every node of the tree with its parent, in the order of the Regulation. */
export function flatten(tree: Requirement[], parent: string | null = null,
                        out: { node: Requirement; parent: string | null }[] = []) {
  for (const node of tree) {
    out.push({ node, parent });
    flatten(node.children ?? [], node.code, out);
  }
  return out;
}

/** For every code, the leaf requirements it stands for (itself when it has none below): covering a parent covers
 * every requirement under it, as the API counts it. */
export function leavesUnder(tree: Requirement[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (node: Requirement): string[] => {
    const children = node.children ?? [];
    const leaves = children.length ? children.flatMap(walk) : [node.code];
    out.set(node.code, leaves);
    return leaves;
  };
  tree.forEach(walk);
  return out;
}

/** The codes above a code, nearest first. */
export function ancestors(tree: Requirement[], code: string): string[] {
  const parents = new Map(flatten(tree).map(({ node, parent }) => [node.code, parent]));
  const out: string[] = [];
  for (let p = parents.get(code) ?? null; p; p = parents.get(p) ?? null) out.push(p);
  return out;
}

/** Accents and case do not matter when searching ("qualità" is found by "qualita"). */
export function normalise(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** A requirement's title in the language, or in the other one when it has none (the coverage may lack either). */
export function titleOf(node: { title_it: string | null; title_en: string | null }, lang: "it" | "en"): string {
  return (lang === "en" ? node.title_en ?? node.title_it : node.title_it ?? node.title_en) ?? "";
}

/** The branches that match every word of the query (in code or title, either language): a matching node keeps
 * its whole subtree, a node with a matching descendant keeps only the path to it. */
export function filterTree(tree: Requirement[], query: string): Requirement[] {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  if (!words.length) return tree;
  const hit = (n: Requirement) => {
    const text = normalise(`${n.code} ${n.title_it} ${n.title_en}`);
    return words.every((w) => text.includes(w));
  };
  const walk = (nodes: Requirement[]): Requirement[] => nodes.flatMap((n) => {
    if (hit(n)) return [n];
    const children = walk(n.children ?? []);
    return children.length ? [{ ...n, children }] : [];
  });
  return walk(tree);
}

/** Sections to show a long list of requirements in: an annex, or its parts when the annex is only parts
 * (Annex II: Part A and Part B). */
export function sections(tree: Requirement[]): Requirement[] {
  return tree.flatMap((root) => {
    const children = root.children ?? [];
    return children.length && children.every((c) => (c.children ?? []).length) ? children : [root];
  });
}

/** Drops codes that a selected ancestor already covers, so the request names each requirement once. */
export function withoutCovered(tree: Requirement[], selected: string[]): string[] {
  const chosen = new Set(selected);
  return selected.filter((code) => !ancestors(tree, code).some((a) => chosen.has(a)));
}

/** How many of the open requirements a resource covering these codes would close. */
export function closes(codes: string[], leaves: Map<string, string[]>, open: Set<string>): number {
  const closed = new Set(codes.flatMap((c) => leaves.get(c) ?? [c]).filter((leaf) => open.has(leaf)));
  return closed.size;
}

export interface ResourceState {
  latest: Version | null;
  /** The newest version a current validation covers: the one members may adopt. */
  validated: Version | null;
  /** Released versions no verifier has looked at yet. */
  awaiting: Version[];
  /** The latest released version's latest validation, when it no longer counts. */
  lapsed: "rejected" | "expired" | null;
}

export function resourceState(versions: Version[]): ResourceState {
  const sorted = [...versions].sort((a, b) => a.number - b.number);
  const latest = sorted[sorted.length - 1] ?? null;
  const validated = [...sorted].reverse().find((v) => v.validated) ?? null;
  const awaiting = sorted.filter((v) => v.status === "released" && v.validations.length === 0);
  const released = [...sorted].reverse().find((v) => v.status === "released");
  const last = released?.validations[0];
  const lapsed = released && !released.validated && last
    ? (last.status === "rejected" ? "rejected" : last.status === "expired" ? "expired" : null) : null;
  return { latest, validated, awaiting, lapsed };
}

/** A problem that has no field errors (a 413 or 415 on upload), said at one field of the form. */
export function atField(problem: Problem | null, field: string): Problem | null {
  if (!problem) return null;
  if (problem.errors?.length) {
    return { ...problem, errors: problem.errors.map((e) => ({ ...e, field: `body.${field}` })) };
  }
  return { ...problem, errors: [{ field: `body.${field}`, message: problem.detail || problem.title, code: "" }] };
}

export function humanSize(bytes: number, lang: "it" | "en"): string {
  const locale = lang === "en" ? "en-GB" : "it-IT";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
}
