import { describe, expect, it } from "vitest";
import { pooled } from "./data";
import {
  type Requirement, type Version, ancestors, atField, closes, filterTree, leavesUnder,
  resourceState, sections, withoutCovered,
} from "./logic";

const node = (code: string, title: string, children: Requirement[] = []): Requirement =>
  ({ code, title_it: title, title_en: `${title} (en)`, children });

const tree: Requirement[] = [
  node("I", "Analisi ambientale", [node("I.1", "Contesto"), node("I.2", "Parti interessate")]),
  node("II", "Sistema di gestione", [
    node("II.A", "Requisiti", [node("II.A.4", "Contesto dell'organizzazione", [node("II.A.4.1", "Comprendere")]),
                               node("II.A.5", "Leadership")]),
    node("II.B", "Ulteriori aspetti", [node("II.B.4", "Conformità giuridica")]),
  ]),
  node("IV", "Comunicazione", [node("IV.A", "Introduzione"), node("IV.C", "Indicatori", [node("IV.C.1", "Energia")])]),
];

const version = (number: number, status: "draft" | "released", validations: Partial<Version["validations"][number]>[] = [],
                 validated = false): Version => ({
  resource_id: 1, number, status, notes: null, created_at: "2026-01-01T00:00:00Z", released_at: null, files: [],
  validations: validations as Version["validations"], validated,
});

describe("the requirements tree", () => {
  it("knows the leaves under each code", () => {
    const leaves = leavesUnder(tree);
    expect(leaves.get("I")).toEqual(["I.1", "I.2"]);
    expect(leaves.get("II")).toEqual(["II.A.4.1", "II.A.5", "II.B.4"]);
    expect(leaves.get("II.A.5")).toEqual(["II.A.5"]);
  });
  it("finds ancestors nearest first", () => {
    expect(ancestors(tree, "II.A.4.1")).toEqual(["II.A.4", "II.A", "II"]);
    expect(ancestors(tree, "I")).toEqual([]);
  });
  it("searches codes and titles without accents, keeping the path to a match", () => {
    const found = filterTree(tree, "conformita");
    expect(found.map((n) => n.code)).toEqual(["II"]);
    expect(found[0].children.map((n) => n.code)).toEqual(["II.B"]);
    expect(found[0].children[0].children.map((n) => n.code)).toEqual(["II.B.4"]);
  });
  it("keeps the whole subtree of a matching node", () => {
    expect(filterTree(tree, "II.A")[0].children[0].children.length).toBe(2);
    expect(filterTree(tree, "")).toBe(tree);
    expect(filterTree(tree, "nothing like this")).toEqual([]);
  });
  it("splits an annex made only of parts into its parts", () => {
    expect(sections(tree).map((n) => n.code)).toEqual(["I", "II.A", "II.B", "IV"]);
  });
  it("drops codes a selected ancestor already covers", () => {
    expect(withoutCovered(tree, ["II.A", "II.A.4.1", "I.1"])).toEqual(["II.A", "I.1"]);
  });
  it("counts the open requirements a resource would close", () => {
    expect(closes(["I", "II.A.5"], leavesUnder(tree), new Set(["I.2", "II.A.5", "IV.A"]))).toBe(2);
  });
});

describe("a resource's state", () => {
  it("is empty without versions", () => {
    expect(resourceState([])).toEqual({ latest: null, validated: null, awaiting: [], lapsed: null });
  });
  it("names the newest validated version and the released ones awaiting a verifier", () => {
    const state = resourceState([
      version(2, "released"), version(1, "released", [{ status: "current" }], true), version(3, "draft"),
    ]);
    expect(state.latest?.number).toBe(3);
    expect(state.validated?.number).toBe(1);
    expect(state.awaiting.map((v) => v.number)).toEqual([2]);
  });
  it("says when the latest released version was rejected or lapsed", () => {
    expect(resourceState([version(1, "released", [{ status: "rejected" }])]).lapsed).toBe("rejected");
    expect(resourceState([version(1, "released", [{ status: "expired" }])]).lapsed).toBe("expired");
  });
});

describe("problems at fields", () => {
  it("puts a problem without field errors at one field", () => {
    const tooLarge = { type: "t", title: "Payload too large", status: 413, detail: "The file is larger than 10 bytes." };
    expect(atField(tooLarge, "file")?.errors).toEqual([
      { field: "body.file", message: "The file is larger than 10 bytes.", code: "" }]);
    expect(atField(null, "file")).toBeNull();
  });
});

describe("pooled", () => {
  it("keeps the order and never runs more than its width at once", async () => {
    let running = 0;
    let most = 0;
    const out = await pooled([5, 1, 4, 2, 3], async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    }, 2);
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
