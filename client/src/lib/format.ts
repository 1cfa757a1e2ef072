import { type Language, locales } from "../i18n";

export function number(value: number | null | undefined, lang: Language, digits = 0): string {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locales[lang], { maximumFractionDigits: digits }).format(value);
}

export function euro(value: number | string | null | undefined, lang: Language): string {
  if (value === null || value === undefined || value === "") return "–";
  return new Intl.NumberFormat(locales[lang], { style: "currency", currency: "EUR" }).format(Number(value));
}

export function percent(share: number | null | undefined, lang: Language): string {
  if (share === null || share === undefined) return "–";
  return new Intl.NumberFormat(locales[lang], { style: "percent", maximumFractionDigits: 1 }).format(share);
}

/** A date or date-time shown in Rome time, where the programmes and events take place. */
export function date(value: string | null | undefined, lang: Language): string {
  if (!value) return "–";
  const onlyDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = new Date(onlyDate ? `${value}T12:00:00Z` : value);
  return new Intl.DateTimeFormat(locales[lang], { dateStyle: "medium", timeZone: "Europe/Rome" }).format(d);
}

export function dateTime(value: string | null | undefined, lang: Language): string {
  if (!value) return "–";
  return new Intl.DateTimeFormat(locales[lang], { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Rome" })
    .format(new Date(value));
}

/** Splits what a person types in a list box ("13, 14.1 15") into its items. */
export function splitList(text: string, separators: RegExp = /[,;\s]+/): string[] {
  return text.split(separators).map((item) => item.trim()).filter(Boolean);
}
