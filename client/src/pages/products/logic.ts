// The pure rules of the product screens: which study is a product's latest, the state of its EPDs, and
// impact values written exactly as the study reports them.
import type { Schemas } from "../../api/client";
import { type Language, locales } from "../../i18n";

export type Product = Schemas["ProductRead"];
export type Study = Schemas["LcaStudyRead"];
export type Epd = Schemas["EpdRead"];

/** The indicator every study reports (the API refuses a study without it). */
export const CLIMATE = "climate_change";

/** The latest study as the comparison reads it: by reference year (none counts as earliest), then the latest recorded. */
export function latestStudy(studies: Study[]): Study | null {
  let best: Study | null = null;
  for (const s of studies) {
    if (!best || (s.reference_year ?? 0) > (best.reference_year ?? 0) ||
        ((s.reference_year ?? 0) === (best.reference_year ?? 0) && s.id > best.id)) best = s;
  }
  return best;
}

/** A product's climate-change result from its latest study reporting it, with that study. */
export function climateFigure(product: Product): { study: Study; value: string; unit: string } | null {
  const reporting = product.lca_studies.filter((s) => s.results.some((r) => r.indicator === CLIMATE));
  const study = latestStudy(reporting);
  const result = study?.results.find((r) => r.indicator === CLIMATE);
  return study && result ? { study, value: result.value, unit: result.unit } : null;
}

export type EpdState = "in_force" | "expired" | "none";

/** In force when any EPD's validity has not ended (the API judges `expired` in Rome time), else expired or none. */
export function epdState(epds: Epd[]): EpdState {
  if (epds.length === 0) return "none";
  return epds.some((e) => !e.expired) ? "in_force" : "expired";
}

/**
 * A decimal as the API sends it ("0.000012", "-3.5", "1.2E-7"), written with the language's separators and every
 * digit kept: impact values span many orders of magnitude, and rounding would turn the small ones into zero.
 */
export function decimalText(value: string | number | null | undefined, lang: Language): string {
  if (value === null || value === undefined || value === "") return "–";
  const plain = toPlain(String(value).trim());
  if (plain === null) return String(value);
  const [, sign, whole, fraction] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(plain)!;
  // The whole part through Intl (as a BigInt, so no digit is lost): it groups as the language does.
  const grouped = new Intl.NumberFormat(locales[lang]).format(BigInt(whole));
  const decimal = new Intl.NumberFormat(locales[lang]).formatToParts(0.5).find((p) => p.type === "decimal")?.value ?? ".";
  const zero = /^0*$/.test(whole + (fraction ?? ""));
  return `${sign && !zero ? "−" : ""}${grouped}${fraction ? decimal + fraction : ""}`;
}

/** "1.2E-7" → "0.00000012", "12.500" → "12.5", "007" → "7"; null when it is not a number. */
export function toPlain(text: string): string | null {
  const found = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!found || (!found[2] && !found[3])) return null;
  const [, sign, intPart, fracPart = "", exp = "0"] = found;
  let digits = (intPart || "") + fracPart;
  let point = (intPart || "").length + Number(exp);
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  const fraction = digits.slice(point).replace(/0+$/, "");
  return `${sign === "-" ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** The comparison's address for a product's code and an indicator. */
export function comparisonHref(code: string, indicator: string = CLIMATE, boundary?: string | null): string {
  const query = new URLSearchParams({ code, indicator });
  if (boundary) query.set("boundary", boundary);
  return `/products/comparison?${query}`;
}

/** "1 kg", "2 paia": the functional unit's quantity and unit in the language's words. */
export function functionalUnitText(fu: Schemas["FunctionalUnitRead"], lang: Language,
                                   units: Record<string, string>, many: Record<string, string>): string {
  const quantity = toPlain(String(fu.quantity));
  const plural = quantity !== null && quantity !== "1";
  const unit = (plural ? many[fu.unit] : undefined) ?? units[fu.unit] ?? fu.unit;
  return `${decimalText(fu.quantity, lang)} ${unit}`;
}
