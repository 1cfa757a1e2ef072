import { describe, expect, it } from "vitest";
import type { Me } from "../../lib/session";
import { callStatus, isApplicant, managerMoves, mayWithdraw, runs, sumAmounts, toAmount, weightedTotal } from "./logic";

const phase = (over: Partial<{ opens_at: string | null; closes_at: string | null; open_now: boolean }>) => ({
  id: 1, name: "Fase", note: null, opens_at: null, closes_at: null, open_now: false, ...over,
});

const me = (over: Partial<Me>): Me => ({
  kind: "user", id: 1, role: "enterprise", label: "x", organization_id: null, regions: [], clusters: [],
  organizations: [], chambers: [], ...over,
});

describe("callStatus", () => {
  const now = new Date("2026-06-01T10:00:00Z");
  it("takes the open phase from the API", () => {
    expect(callStatus({ phases: [phase({ open_now: true, opens_at: "2026-05-01T00:00:00Z" })] }, now).kind).toBe("open");
  });
  it("finds the next phase to open", () => {
    const s = callStatus({ phases: [phase({ opens_at: "2026-07-01T00:00:00Z" }), phase({ opens_at: "2026-06-15T00:00:00Z" })] }, now);
    expect(s.kind === "upcoming" && s.phase.opens_at).toBe("2026-06-15T00:00:00Z");
  });
  it("tells a closed call from one without dates", () => {
    expect(callStatus({ phases: [phase({ opens_at: "2026-01-01T00:00:00Z", closes_at: "2026-02-01T00:00:00Z" })] }, now).kind)
      .toBe("closed");
    expect(callStatus({ phases: [phase({}), phase({})] }, now).kind).toBe("unscheduled");
    expect(callStatus({ phases: [] }, now).kind).toBe("unscheduled");
  });
});

describe("amounts", () => {
  it("reads Italian and plain writing", () => {
    expect(toAmount("1.500,50")).toBe("1500.50");
    expect(toAmount("1500,5")).toBe("1500.5");
    expect(toAmount(" 25000.00 €")).toBe("25000.00");
    expect(toAmount("1.000.000")).toBe("1000000");
    expect(toAmount("1.500")).toBe("1.500");
    expect(toAmount("abc")).toBe("abc");
  });
  it("adds up in cents, or says it cannot", () => {
    expect(sumAmounts(["0.10", "0.20", ""])).toBe(0.3);
    expect(sumAmounts(["1.500,50", "99,5"])).toBe(1600);
    expect(sumAmounts(["12.345"])).toBeNull();
  });
  it("weights the scores as the API does", () => {
    const criteria = [{ code: "a", weight: "2" }, { code: "b", weight: "1" }];
    expect(weightedTotal(criteria, { a: "8,5", b: "6" })).toBeCloseTo(23 / 3);
    expect(weightedTotal(criteria, { a: "8" })).toBeNull();
  });
});

describe("who does what", () => {
  it("follows the API's moves", () => {
    expect(managerMoves("submitted")).toEqual(["admissible", "inadmissible"]);
    expect(managerMoves("under_evaluation")).toEqual([]);
    expect(mayWithdraw("definitive_submitted")).toBe(true);
    expect(mayWithdraw("funded")).toBe(false);
  });
  it("knows who runs a call from its funders' bodies", () => {
    const call = { funders: [{ organization_id: 9 }, { organization_id: null }] } as never;
    expect(runs(me({ role: "chamber_officer", chambers: [9] }), call)).toBe(true);
    expect(runs(me({ role: "chamber_officer", chambers: [8] }), call)).toBe(false);
    expect(runs(me({ role: "enterprise", organization_id: 9 }), call)).toBe(false);
    expect(runs(me({ role: "admin" }), call)).toBe(true);
    expect(runs(null, call)).toBe(false);
  });
  it("lets an enterprise write only its own applications", () => {
    expect(isApplicant(me({ organizations: [29] }), { organization_id: 29 })).toBe(true);
    expect(isApplicant(me({ organizations: [29] }), { organization_id: 30 })).toBe(false);
    expect(isApplicant(me({ role: "evaluator", organizations: [29] }), { organization_id: 29 })).toBe(false);
  });
});
