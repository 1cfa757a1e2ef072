// RFC 9457 problems from the API, turned into what a form shows: one message per field, and the rest.
import type { Schemas } from "../api/client";

export type FieldError = Schemas["FieldError"];
export type Problem = Schemas["ProblemDetails"];

export function asProblem(error: unknown, response?: Response): Problem {
  if (error && typeof error === "object" && "title" in error && "status" in error) return error as Problem;
  const status = response?.status ?? 0;
  return {
    type: "about:blank",
    title: status ? `HTTP ${status}` : "Network error",
    status,
    detail: typeof error === "string" ? error : null,
  };
}

/**
 * Field messages keyed by the field's path inside the body ("name", "sectors.0.nace"), so a form can put each
 * next to its control; the leading "body." (or "query.") of the API's paths is dropped.
 */
export function fieldMessages(problem: Problem | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const key = e.field.replace(/^(body|query|path|header)\.?/, "");
    if (!(key in out)) out[key] = e.message;
  }
  return out;
}

/** The problem's messages that no field of the form claims. */
export function unclaimed(problem: Problem | null | undefined, fields: string[]): string[] {
  if (!problem) return [];
  const messages = fieldMessages(problem);
  const rest = Object.entries(messages)
    .filter(([key]) => !fields.some((f) => key === f || key.startsWith(`${f}.`)))
    .map(([key, message]) => (key ? `${key}: ${message}` : message));
  const head = problem.detail || problem.title;
  return problem.errors?.length ? rest.length ? [head, ...rest] : [] : [head];
}

/** A problem found before sending, shaped like the API's so the same fields show it. */
export function localProblem(title: string, errors: { field: string; message: string }[]): Problem | null {
  if (errors.length === 0) return null;
  return {
    type: "about:blank", title, status: 422,
    errors: errors.map((e) => ({ field: `body.${e.field}`, message: e.message, code: "client" })),
  };
}

/**
 * The API reports a bad item of a list at the item's own path ("sectors.0.nace.1", "tags.2"), while a form may
 * edit such a list in one text box: this moves those messages onto the box, each prefixed by the item it concerns.
 * `lists` maps a list's path in the body (without "body.") to the items that were sent.
 */
export function collapseLists(problem: Problem | null, lists: Record<string, string[]>): Problem | null {
  if (!problem?.errors?.length) return problem;
  const errors: FieldError[] = [];
  for (const error of problem.errors) {
    const path = error.field.replace(/^body\.?/, "");
    const found = /^(.*)\.(\d+)$/.exec(path);
    if (!found || !(found[1] in lists)) {
      errors.push({ ...error });
      continue;
    }
    const item = lists[found[1]][Number(found[2])];
    const message = item === undefined ? error.message : `«${item}»: ${error.message}`;
    const field = `body.${found[1]}`;
    // Several bad items of one list: one message beside the box, naming each.
    const same = errors.find((e) => e.field === field);
    if (same) same.message = `${same.message}; ${message}`;
    else errors.push({ ...error, field, message });
  }
  return { ...problem, errors };
}
