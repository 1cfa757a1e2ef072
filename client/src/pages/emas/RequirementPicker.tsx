// Picks the EMAS requirements a resource covers from the Regulation's tree (Annexes I–IV, about ninety
// entries): one group per annex or part, a search over codes and titles, and the choice listed above the tree.
// Choosing a requirement covers everything under it, so those below show as included rather than choosable.
import { useId, useMemo, useState } from "preact/hooks";
import { fill, useLanguage, useMessages } from "../../i18n";
import { type Problem, fieldMessages } from "../../lib/problem";
import { type Requirement, ancestors, filterTree, flatten, leavesUnder, sections, titleOf, withoutCovered } from "./logic";

interface Props {
  tree: Requirement[];
  value: string[];
  onChange: (codes: string[]) => void;
  problem?: Problem | null;
  /** The field's path in the request body, to find the API's messages about it ("requirements.3"). */
  name?: string;
}

export function RequirementPicker({ tree, value, onChange, problem, name = "requirements" }: Props) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const id = useId();
  const [query, setQuery] = useState("");
  const chosen = new Set(value);
  const byCode = useMemo(() => new Map(flatten(tree).map(({ node }) => [node.code, node])), [tree]);
  const leaves = useMemo(() => leavesUnder(tree), [tree]);
  const shown = useMemo(() => filterTree(tree, query), [tree, query]);
  const covered = new Set(value.flatMap((c) => leaves.get(c) ?? []));
  const errors = Object.entries(fieldMessages(problem))
    .filter(([key]) => key === name || key.startsWith(`${name}.`))
    .map(([key, message]) => {
      const index = Number(key.slice(name.length + 1));
      return Number.isInteger(index) && value[index] ? `${value[index]}: ${message}` : message;
    });

  const wholeBy = (code: string) => ancestors(tree, code).find((a) => chosen.has(a));

  function toggle(code: string, on: boolean) {
    onChange(on ? withoutCovered(tree, [...value, code]) : value.filter((c) => c !== code));
  }

  function renderNodes(nodes: Requirement[]) {
    return (
      <ul class="emas-tree">
        {nodes.map((n) => {
          const inherited = wholeBy(n.code);
          const box = `${id}-${n.code}`;
          return (
            <li key={n.code}>
              <input type="checkbox" id={box} checked={chosen.has(n.code) || !!inherited} disabled={!!inherited}
                     onChange={(e) => toggle(n.code, (e.target as HTMLInputElement).checked)} />
              <label for={box}>
                <span class="emas-code">{n.code}</span> {titleOf(n, lang)}
                {inherited && <span class="source"> — {fill(m.picker.included, { code: inherited })}</span>}
              </label>
              {(n.children ?? []).length > 0 && renderNodes(n.children)}
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <fieldset class={`emas-picker${errors.length ? " invalid" : ""}`} aria-describedby={`${id}-help`}>
      <legend>{m.picker.legend}</legend>
      <p id={`${id}-help`} class="source">{m.picker.help}</p>
      {errors.length > 0 && (
        <ul class="field-error" id={`${id}-error`}>{errors.map((e) => <li key={e}>{e}</li>)}</ul>
      )}
      <div class="emas-chosen" aria-live="polite">
        <strong>{fill(m.picker.chosen, { n: value.length, leaves: covered.size })}</strong>
        {value.length > 0 && (
          <ul>
            {value.map((code) => (
              <li key={code}>
                <span class="emas-code">{code}</span> {byCode.get(code) ? titleOf(byCode.get(code)!, lang) : ""}{" "}
                <button type="button" class="secondary emas-small" onClick={() => toggle(code, false)}
                        aria-label={fill(m.picker.remove, { code })}>×</button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div class="field">
        <label for={`${id}-q`}>{m.picker.search}</label>
        <input id={`${id}-q`} type="search" value={query} placeholder={m.picker.searchPlaceholder}
               onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      </div>
      {shown.length === 0 && <p class="state empty">{m.picker.noMatch}</p>}
      {sections(shown).map((section) => {
        const picked = (leaves.get(section.code) ?? []).filter((l) => covered.has(l)).length;
        return (
          // Open while searching, so the matches are in view; otherwise a group opens on demand.
          <details key={section.code} class="emas-section" open={query.trim() !== "" || undefined}>
            <summary>
              <span class="emas-code">{section.code}</span> {titleOf(section, lang)}{" "}
              <span class="source">({fill(m.picker.sectionCount, { n: picked, of: (leaves.get(section.code) ?? []).length })})</span>
            </summary>
            <div class="emas-whole">
              <input type="checkbox" id={`${id}-${section.code}`} checked={chosen.has(section.code) || !!wholeBy(section.code)}
                     disabled={!!wholeBy(section.code)}
                     onChange={(e) => toggle(section.code, (e.target as HTMLInputElement).checked)} />
              <label for={`${id}-${section.code}`}>{fill(m.picker.whole, { code: section.code })}</label>
            </div>
            {(section.children ?? []).length > 0 && renderNodes(section.children)}
          </details>
        );
      })}
    </fieldset>
  );
}
