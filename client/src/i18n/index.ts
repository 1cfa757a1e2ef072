// The language of the interface: Italian by default, English by a switch that is remembered.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import en from "./en";
import it from "./it";
import { store, useStore } from "../lib/store";

export type Messages = typeof it;
export type Language = "it" | "en";

// English must say everything Italian says: a missing key is a type error.
const catalogues: Record<Language, Messages> = { it, en };

function initial(): Language {
  try {
    const saved = globalThis.localStorage?.getItem("cartesio.language");
    if (saved === "it" || saved === "en") return saved;
  } catch {
    /* no storage: default */
  }
  return "it";
}

export const language = store<Language>(initial());

export function setLanguage(next: Language): void {
  try {
    globalThis.localStorage?.setItem("cartesio.language", next);
  } catch {
    /* not remembered, still switched */
  }
  document.documentElement.lang = next;
  language.set(next);
}

export const locales: Record<Language, string> = { it: "it-IT", en: "en-GB" };

export function messagesFor(lang: Language): Messages {
  return catalogues[lang];
}

const I18n = createContext<Language>("it");
export const I18nProvider = I18n.Provider;

export function useLanguage(): Language {
  return useContext(I18n);
}

export function useMessages(): Messages {
  return catalogues[useContext(I18n)];
}

export function useCurrentLanguage(): Language {
  return useStore(language);
}

/** Replaces {name} placeholders: fill("{n} clusters", { n: 3 }). */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? `{${key}}`));
}
