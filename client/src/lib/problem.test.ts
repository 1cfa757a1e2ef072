import { describe, expect, it } from "vitest";
import { asProblem, collapseLists, fieldMessages, localProblem, unclaimed } from "./problem";

const validation = {
  type: "https://cartesio.example/problems/validation-failed",
  title: "Validation failed",
  status: 422,
  detail: "2 fields are invalid.",
  errors: [
    { field: "body.name", message: "must not be empty", code: "too_short" },
    { field: "body.sectors.0.nace", message: "not a NACE code", code: "pattern" },
    { field: "body.name", message: "second message for the same field", code: "x" },
  ],
};

describe("fieldMessages", () => {
  it("keys messages by the body path and keeps the first per field", () => {
    expect(fieldMessages(validation)).toEqual({ name: "must not be empty", "sectors.0.nace": "not a NACE code" });
  });
  it("is empty without a problem", () => {
    expect(fieldMessages(null)).toEqual({});
  });
});

describe("unclaimed", () => {
  it("says nothing when every error sits beside a field of the form", () => {
    expect(unclaimed(validation, ["name", "sectors"])).toEqual([]);
  });
  it("lists what no field claims under the problem's detail", () => {
    expect(unclaimed(validation, ["name"])).toEqual(["2 fields are invalid.", "sectors.0.nace: not a NACE code"]);
  });
  it("shows the detail of a problem without field errors", () => {
    expect(unclaimed({ type: "x", title: "Conflict", status: 409, detail: "Changed meanwhile." }, ["name"]))
      .toEqual(["Changed meanwhile."]);
  });
});

describe("asProblem", () => {
  it("keeps a problem from the API as it is", () => {
    expect(asProblem(validation)).toBe(validation);
  });
  it("turns anything else into a problem with the response status", () => {
    const problem = asProblem("boom", new Response(null, { status: 502 }));
    expect(problem.status).toBe(502);
    expect(problem.title).toBe("HTTP 502");
  });
});

describe("collapseLists", () => {
  it("moves item errors onto the list's box, naming the items", () => {
    const problem = {
      type: "x", title: "invalid", status: 422,
      errors: [
        { field: "body.sectors.0.nace.1", message: "bad", code: "value_error" },
        { field: "body.sectors.0.nace.2", message: "bad", code: "value_error" },
        { field: "body.name", message: "short", code: "too_short" },
      ],
    };
    const out = collapseLists(problem, { "sectors.0.nace": ["13", "1x", "2y"] });
    expect(out?.errors).toEqual([
      { field: "body.sectors.0.nace", message: "«1x»: bad; «2y»: bad", code: "value_error" },
      { field: "body.name", message: "short", code: "too_short" },
    ]);
    expect(problem.errors[0].field).toBe("body.sectors.0.nace.1");
  });
  it("leaves a problem without field errors as it is", () => {
    const conflict = { type: "x", title: "Conflict", status: 409 };
    expect(collapseLists(conflict, { tags: ["a"] })).toBe(conflict);
    expect(collapseLists(null, {})).toBeNull();
  });
});

describe("localProblem", () => {
  it("says a check made before sending at the same paths as the API", () => {
    expect(localProblem("Not saved", [{ field: "latitude", message: "not a number" }])?.errors)
      .toEqual([{ field: "body.latitude", message: "not a number", code: "client" }]);
    expect(localProblem("Not saved", [])).toBeNull();
  });
});
