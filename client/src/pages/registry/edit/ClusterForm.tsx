// The cluster's fields, grouped as the cluster page shows them. Each control is named by its path in the PATCH
// body, so the API's message for it (and the browser's own checks, shaped alike) appears beside it.
import { useState } from "preact/hooks";
import type { Schemas } from "../../../api/client";
import { Field, Select, TextArea } from "../../../components/ui";
import { useMessages } from "../../../i18n";
import type { Problem } from "../../../lib/problem";
import { Checkbox, GroupError, valueOf } from "./controls";
import type { Draft, HeadcountDraft } from "./draft";
import { OrganizationSearch } from "./OrganizationSearch";

const KINDS: Schemas["ClusterKind"][] = ["industrial_district", "cluster", "apea", "industrial_park", "supply_chain",
  "enterprise_network"];

/** The paths of every control here, so the page's problem box shows only what none of them claims. */
export const FORM_FIELDS = ["name", "slug", "kind", "country", "region_code", "region_name", "locality", "location_text",
  "latitude", "longitude", "enterprises", "employees", "sectors", "website", "website_note", "coordinating_body_id",
  "constitutive_elements", "eco_innovation", "tags"];

interface Props {
  draft: Draft;
  problem: Problem | null;
  onChange: (draft: Draft) => void;
}

export function ClusterForm({ draft, problem, onChange }: Props) {
  const m = useMessages();
  const e = m.registry.edit;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => onChange({ ...draft, [key]: value });
  const text = (key: keyof Draft) => (ev: Event) => set(key, valueOf(ev) as never);

  return (
    <>
      <fieldset>
        <legend>{e.identity}</legend>
        <div class="grid-fields">
          <Field label={m.registry.name} name="name" required maxLength={300} value={draft.name} onInput={text("name")}
                 problem={problem} />
          <Select label={m.registry.kind} name="kind" value={draft.kind} problem={problem} onChange={text("kind")}
                  options={KINDS.map((k) => ({ value: k, label: m.common.kinds[k] ?? k }))} />
          <Field label={e.slug} name="slug" maxLength={120} value={draft.slug} onInput={text("slug")} problem={problem}
                 hint={e.slugHint} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{e.place}</legend>
        <div class="grid-fields">
          <Field label={m.registry.country} name="country" required maxLength={2} size={3} value={draft.country}
                 onInput={text("country")} problem={problem} hint={e.countryHint} />
          <Field label={m.registry.region} name="region_code" maxLength={5} size={6} value={draft.region_code}
                 onInput={text("region_code")} problem={problem} hint={e.regionHint} />
          <Field label={e.regionName} name="region_name" maxLength={200} value={draft.region_name}
                 onInput={text("region_name")} problem={problem} />
          <Field label={m.registry.location} name="locality" maxLength={200} value={draft.locality}
                 onInput={text("locality")} problem={problem} />
          <Field label={e.locationText} name="location_text" maxLength={500} value={draft.location_text}
                 onInput={text("location_text")} problem={problem} />
          <Field label={e.latitude} name="latitude" inputMode="decimal" value={draft.latitude}
                 onInput={text("latitude")} problem={problem} hint={e.coordinatesHint} />
          <Field label={e.longitude} name="longitude" inputMode="decimal" value={draft.longitude}
                 onInput={text("longitude")} problem={problem} />
        </div>
        <GroupError problem={problem} name="" />
      </fieldset>

      <fieldset>
        <legend>{e.size}</legend>
        <div class="grid-fields">
          <HeadcountFields name="enterprises" label={m.registry.enterprises} value={draft.enterprises} problem={problem}
                           onChange={(h) => set("enterprises", h)} />
          <HeadcountFields name="employees" label={m.registry.employees} value={draft.employees} problem={problem}
                           onChange={(h) => set("employees", h)} />
        </div>
      </fieldset>

      <SectorsFields draft={draft} problem={problem} onChange={(sectors) => set("sectors", sectors)} />

      <fieldset>
        <legend>{e.contacts}</legend>
        <div class="grid-fields">
          <Field label={m.registry.website} name="website" type="url" maxLength={300} value={draft.website}
                 onInput={text("website")} problem={problem} placeholder="https://" />
          <Field label={e.websiteNote} name="website_note" maxLength={500} value={draft.website_note}
                 onInput={text("website_note")} problem={problem} />
        </div>
        <CoordinatingBody value={draft.coordinating_body} problem={problem}
                          onChange={(body) => set("coordinating_body", body)} />
      </fieldset>

      <fieldset>
        <legend>{e.descriptions}</legend>
        <TextArea label={m.registry.constitutiveElements} name="constitutive_elements" rows={4} maxLength={20000}
                  value={draft.constitutive_elements} onInput={text("constitutive_elements")} problem={problem} />
        <TextArea label={m.registry.ecoInnovation} name="eco_innovation" rows={4} maxLength={20000}
                  value={draft.eco_innovation} onInput={text("eco_innovation")} problem={problem} />
        <Field label={m.registry.tags} name="tags" value={draft.tags} onInput={text("tags")} problem={problem}
               hint={e.tagsHint} />
      </fieldset>
    </>
  );
}

function HeadcountFields({ name, label, value, problem, onChange }: {
  name: "enterprises" | "employees"; label: string; value: HeadcountDraft; problem: Problem | null;
  onChange: (value: HeadcountDraft) => void;
}) {
  const e = useMessages().registry.edit;
  return (
    <div class="group" role="group" aria-labelledby={`${name}-label`}>
      <p class="group-title" id={`${name}-label`}>{label}</p>
      <GroupError problem={problem} name={name} />
      <Field label={e.count} name={`${name}.count`} inputMode="numeric" value={value.count} problem={problem}
             onInput={(ev) => onChange({ ...value, count: valueOf(ev) })} hint={e.countHint} />
      <Checkbox label={e.approximate} name={`${name}.approximate`} checked={value.approximate} problem={problem}
                onChange={(approximate) => onChange({ ...value, approximate })} />
      <Field label={e.countNote} name={`${name}.note`} maxLength={2000} value={value.note} problem={problem}
             onInput={(ev) => onChange({ ...value, note: valueOf(ev) })} hint={e.countNoteHint} />
    </div>
  );
}

function SectorsFields({ draft, problem, onChange }: {
  draft: Draft; problem: Problem | null; onChange: (sectors: Draft["sectors"]) => void;
}) {
  const m = useMessages();
  const e = m.registry.edit;
  const sectors = draft.sectors;
  const update = (i: number, part: Partial<Draft["sectors"][number]>) =>
    onChange(sectors.map((s, j) => (j === i ? { ...s, ...part } : s)));
  const add = () => {
    onChange([...sectors, { label: "", nace: "" }]);
    // The new row's first box takes the focus, so typing goes on there.
    setTimeout(() => document.getElementById(`sector-${sectors.length}-label`)?.focus(), 0);
  };
  return (
    <fieldset>
      <legend>{m.registry.sectors}</legend>
      <GroupError problem={problem} name="sectors" />
      {sectors.length === 0 && <p class="state">{e.noSectors}</p>}
      <ol class="repeat">
        {sectors.map((s, i) => (
          <li key={i}>
            <div class="grid-fields">
              <Field id={`sector-${i}-label`} label={`${e.sectorLabel} ${i + 1}`} name={`sectors.${i}.label`} required
                     maxLength={300} value={s.label} problem={problem} onInput={(ev) => update(i, { label: valueOf(ev) })} />
              <Field label={`${e.nace} ${i + 1}`} name={`sectors.${i}.nace`} value={s.nace} problem={problem}
                     hint={e.naceHint} onInput={(ev) => update(i, { nace: valueOf(ev) })} />
            </div>
            <div class="actions">
              <button type="button" class="secondary" disabled={i === 0}
                      onClick={() => onChange(swap(sectors, i, i - 1))}
                      aria-label={`${e.moveUp}: ${s.label || `${e.sectorLabel} ${i + 1}`}`}>↑</button>
              <button type="button" class="secondary" disabled={i === sectors.length - 1}
                      onClick={() => onChange(swap(sectors, i, i + 1))}
                      aria-label={`${e.moveDown}: ${s.label || `${e.sectorLabel} ${i + 1}`}`}>↓</button>
              <button type="button" class="secondary" onClick={() => onChange(sectors.filter((_, j) => j !== i))}>
                {e.removeSector} {i + 1}
              </button>
            </div>
          </li>
        ))}
      </ol>
      <button type="button" class="secondary" onClick={add}>+ {e.addSector}</button>
    </fieldset>
  );
}

function swap<T>(list: T[], a: number, b: number): T[] {
  const out = [...list];
  [out[a], out[b]] = [out[b], out[a]];
  return out;
}

function CoordinatingBody({ value, problem, onChange }: {
  value: Draft["coordinating_body"]; problem: Problem | null; onChange: (value: Draft["coordinating_body"]) => void;
}) {
  const m = useMessages();
  const e = m.registry.edit;
  const [searching, setSearching] = useState(false);
  return (
    <div class="group" role="group" aria-labelledby="coordinating-label">
      <p class="group-title" id="coordinating-label">{m.registry.coordinatingBody}</p>
      <GroupError problem={problem} name="coordinating_body_id" />
      <p>
        {value ? <strong>{value.name}</strong> : <span class="state">{m.common.notGiven}</span>}{" "}
        <button type="button" class="secondary" aria-expanded={searching} onClick={() => setSearching(!searching)}>
          {searching ? m.common.close : e.changeCoordinating}
        </button>{" "}
        {value && <button type="button" class="secondary" onClick={() => onChange(null)}>{e.clearCoordinating}</button>}
      </p>
      {searching && (
        <OrganizationSearch label={e.findOrganization} action={e.choose}
                            onPick={(o) => { onChange({ id: o.id, name: o.name, kind: o.kind }); setSearching(false); }} />
      )}
    </div>
  );
}
