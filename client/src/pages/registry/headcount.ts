import type { Schemas } from "../../api/client";
import type { Language } from "../../i18n";
import { number } from "../../lib/format";

/** "≈ 1.200" for approximate figures, "–" where the documents give none. */
export function headcount(h: Schemas["HeadcountRead"], lang: Language, about: string): string {
  if (h.count === null || h.count === undefined) return "–";
  return `${h.approximate ? `${about} ` : ""}${number(h.count, lang)}`;
}
