// One version of a resource: its files, its validations, and what the caller may do with it — the cluster's
// managers add files and release a draft, an accredited verifier validates a released version, a member firm
// adopts a validated one.
import { useRef, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Empty, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { type Problem, asProblem } from "../../lib/problem";
import { type Version, humanSize } from "./logic";
import { ValidationRecord } from "./parts";
import { downloadFile } from "./transfer";
import { UploadForm } from "./UploadForm";
import { ValidateForm } from "./ValidateForm";
import { AdoptButton } from "./AdoptButton";

export interface Abilities {
  write: boolean;
  validate: boolean;
  /** The firm that may adopt (a member of the resource's cluster), with the versions it adopted already. */
  adopter: { organizationId: number; adopted: Set<number> } | null;
}

export function VersionCard({ resource, version: v, can, onChange }: {
  resource: Schemas["ResourceRead"]; version: Version; can: Abilities; onChange: () => void;
}) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [validating, setValidating] = useState(v.status === "released" && v.validations.length === 0);
  const draft = v.status === "draft";
  const path = { resource_id: resource.id, number: v.number };
  // Releasing or validating removes the control that had focus: keyboard users continue from the version's title.
  const heading = useRef<HTMLHeadingElement>(null);
  const settled = () => {
    onChange();
    heading.current?.focus();
  };

  async function run(key: string, action: () => Promise<Problem | null>) {
    setBusy(key);
    setProblem(null);
    const failed = await action();
    setBusy(null);
    if (failed) setProblem(failed);
    else if (key === "release") settled();
    else onChange();
  }

  const release = () => run("release", async () => {
    const r = await api.POST("/api/v1/emas/resources/{resource_id}/versions/{number}/release", { params: { path } });
    return r.data ? null : asProblem(r.error, r.response);
  });
  const remove = (file: Schemas["FileRead"]) => {
    if (!confirm(fill(m.files.confirmRemove, { name: file.filename }))) return;
    void run(`remove-${file.id}`, async () => {
      const r = await api.DELETE("/api/v1/emas/resources/{resource_id}/versions/{number}/files/{file_id}", {
        params: { path: { ...path, file_id: file.id } },
      });
      return r.response.ok ? null : asProblem(r.error, r.response);
    });
  };
  async function download(file: Schemas["FileRead"]) {
    setBusy(`download-${file.id}`);
    const failed = await downloadFile(resource.id, v.number, file.id, file.filename);
    setBusy(null);
    setProblem(failed);
  }

  return (
    <section class="card emas-version" id={`v${v.number}`} aria-labelledby={`v${v.number}-title`}>
      <h3 id={`v${v.number}-title`} ref={heading} tabIndex={-1}>
        {fill(m.versionTitle, { n: v.number })}{" "}
        <span class={`badge${draft ? "" : " ok"}`}>{m.versionStatus[v.status]}</span>
        {v.validated && <> <span class="badge ok">{m.state.adoptable}</span></>}
      </h3>
      <p class="source">
        {m.createdOn} {dateTime(v.created_at, lang)}
        {v.released_at && <> · {m.releasedOn} {dateTime(v.released_at, lang)}</>}
      </p>
      {v.notes && <p>{v.notes}</p>}
      <ProblemBox problem={problem} />

      <h4>{m.files.title}</h4>
      {v.files.length === 0 ? <Empty>{m.files.none}</Empty> : (
        <ul class="emas-files">
          {v.files.map((f) => (
            <li key={f.id}>
              <span class="emas-file-name">{f.filename}</span>
              <span class="source"> {humanSize(f.size, lang)} · {f.media_type} · {dateTime(f.uploaded_at, lang)}</span>
              <span class="source emas-hash" title={f.sha256}> · SHA-256 {f.sha256.slice(0, 12)}…</span>
              <span class="emas-file-actions">
                <button type="button" class="secondary emas-small" disabled={busy === `download-${f.id}`}
                        onClick={() => download(f)} aria-label={fill(m.files.downloadName, { name: f.filename })}>
                  {busy === `download-${f.id}` ? m.files.downloading : m.files.download}
                </button>
                {draft && can.write && (
                  <button type="button" class="danger emas-small" disabled={busy !== null} onClick={() => remove(f)}
                          aria-label={fill(m.files.removeName, { name: f.filename })}>{m.files.remove}</button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}

      {draft && can.write && (
        <>
          <UploadForm resourceId={resource.id} number={v.number} onDone={onChange} />
          <h4>{m.release.title}</h4>
          <div class="actions">
            <button type="button" onClick={release} disabled={busy !== null || v.files.length === 0}
                    aria-describedby={`v${v.number}-release-help`}>
              {busy === "release" ? m.saving : m.release.submit}
            </button>
          </div>
          <p class="source" id={`v${v.number}-release-help`}>{v.files.length ? m.release.help : m.release.needsFile}</p>
        </>
      )}

      {!draft && (
        <>
          <h4>{m.validations}</h4>
          {v.validations.length === 0 ? <Empty>{m.state.notValidatedYet}</Empty> : (
            <ul class="emas-validations">{v.validations.map((x) => <ValidationRecord key={x.id} v={x} />)}</ul>
          )}
          {can.validate && !v.validated && (validating
            ? <ValidateForm resourceId={resource.id} number={v.number} onDone={settled} />
            : <button type="button" class="secondary" onClick={() => setValidating(true)}>{fill(m.validate.title, { n: v.number })}</button>)}
        </>
      )}

      {v.validated && can.adopter && (can.adopter.adopted.has(v.number)
        ? <p><span class="badge ok">{m.adopt.adopted}</span></p>
        : <AdoptButton organizationId={can.adopter.organizationId} resourceId={resource.id} version={v.number} onDone={onChange} />)}
    </section>
  );
}
