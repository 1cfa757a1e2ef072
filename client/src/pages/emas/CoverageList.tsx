// Every requirement of the Regulation and what covers it for the firm, by annex or part: a resource it adopted,
// its own evidence, or nothing yet — where it can record its own evidence.
import { useState } from "preact/hooks";
import { Empty, Field, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { Link } from "../../lib/router";
import type { Coverage } from "./data";
import { EvidenceForm } from "./EvidenceForm";
import { type Requirement, leavesUnder, normalise, sections, titleOf } from "./logic";

type Item = Coverage["requirements"][number];

export function CoverageList({ coverage, tree, organizationId, onChange }: {
  coverage: Coverage; tree: Requirement[]; organizationId: number; onChange: () => void;
}) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const [show, setShow] = useState<"all" | "open" | "covered">("all");
  const [query, setQuery] = useState("");
  const [evidenceFor, setEvidenceFor] = useState<string | null>(null);
  const leaves = leavesUnder(tree);
  const byCode = new Map(coverage.requirements.map((r) => [r.code, r]));
  const words = normalise(query).split(/\s+/).filter(Boolean);
  const visible = (i: Item) =>
    (show === "all" || (show === "open") === (i.state === "open")) &&
    words.every((w) => normalise(`${i.code} ${i.title_it ?? ""} ${i.title_en ?? ""}`).includes(w));

  return (
    <section aria-labelledby="emas-requirements">
      <h2 id="emas-requirements">{m.coverage.requirements}</h2>
      <form class="filters emas-filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Select label={m.coverage.show} name="show" value={show}
                onChange={(e) => setShow((e.target as HTMLSelectElement).value as typeof show)}
                options={[{ value: "all", label: m.coverage.showAll }, { value: "open", label: m.coverage.showOpen },
                          { value: "covered", label: m.coverage.showCovered }]} />
        <Field label={m.picker.search} name="q" type="search" value={query} placeholder={m.picker.searchPlaceholder} size={30}
               onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      </form>
      {sections(tree).map((section) => {
        const items = (leaves.get(section.code) ?? []).map((c) => byCode.get(c)).filter((i): i is Item => !!i);
        const done = items.filter((i) => i.state !== "open").length;
        const shown = items.filter(visible);
        if (shown.length === 0) return null;
        return (
          <details key={section.code} class="emas-section" open>
            <summary>
              <span class="emas-code">{section.code}</span> {titleOf(section, lang)}{" "}
              <span class={`badge${done === items.length ? " ok" : ""}`}>{fill(m.coverage.sectionCount, { n: done, of: items.length })}</span>
            </summary>
            <ul class="emas-reqs">
              {shown.map((i) => (
                <li key={i.code} class={`emas-req ${i.state}`}>
                  <div class="emas-req-head">
                    <span><span class="emas-code">{i.code}</span> {titleOf(i, lang)}</span>
                    <span class={`badge${i.state === "open" ? " warn" : " ok"}`}>{m.coverage.states[i.state as keyof typeof m.coverage.states] ?? i.state}</span>
                  </div>
                  {i.resource && (
                    <div class="source">
                      <Link href={`/emas/resources/${i.resource.resource_id}`}>{i.resource.title}</Link>,{" "}
                      {fill(m.versionN, { n: i.resource.version })}
                      {i.resource.valid_until && <> · {m.validUntil} {date(i.resource.valid_until, lang)}</>}
                    </div>
                  )}
                  {i.evidence && <div class="source">{m.evidence.own}: {i.evidence.title}</div>}
                  {i.state === "open" && evidenceFor !== i.code && (
                    <button type="button" class="secondary emas-small" onClick={() => setEvidenceFor(i.code)}
                            aria-label={fill(m.evidence.addFor, { code: i.code })}>{m.evidence.add}</button>
                  )}
                  {evidenceFor === i.code && (
                    <EvidenceForm organizationId={organizationId} code={i.code} label={titleOf(i, lang)}
                                  onCancel={() => setEvidenceFor(null)}
                                  onDone={() => { setEvidenceFor(null); onChange(); }} />
                  )}
                </li>
              ))}
            </ul>
          </details>
        );
      })}
      {coverage.requirements.filter(visible).length === 0 && <Empty>{m.coverage.noneShown}</Empty>}
    </section>
  );
}
