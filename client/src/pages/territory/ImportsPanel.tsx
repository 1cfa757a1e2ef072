// Administrators import a business-register extract or MUD declarations as CSV: the counts of what changed, or,
// when the API refuses the file (nothing is applied), its bad rows with line, column and reason; then the
// latest runs.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Empty, Field, ProblemBox, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { useApi } from "../../lib/useApi";
import { useForm } from "../../lib/useForm";
import { badRows } from "./logic";

type Kind = "registro-imprese" | "mud";
const KINDS: Kind[] = ["mud", "registro-imprese"];
const COUNTS = ["rows", "inserted", "updated", "unchanged", "organizations_created"] as const;

function send(kind: Kind, file: File) {
  // The file goes as multipart form data; the body's type says "string" for a file, so the serializer sends it.
  const options = {
    body: { file: file.name },
    bodySerializer: () => {
      const form = new FormData();
      form.append("file", file, file.name);
      return form;
    },
  };
  return kind === "mud"
    ? api.POST("/api/v1/territory/imports/mud", options)
    : api.POST("/api/v1/territory/imports/registro-imprese", options);
}

export function ImportsPanel({ onImported }: { onImported: () => void }) {
  const m = useMessages();
  const t = m.territory;
  const lang = useLanguage();
  const form = useForm({ kind: "mud" });
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<{ name: string; run: Schemas["ImportRead"] } | null>(null);
  // Remounting the file input is the way to empty it once its file is imported.
  const [round, setRound] = useState(0);
  const runs = useApi((signal) => api.GET("/api/v1/territory/imports", { signal, params: { query: { limit: 10 } } }), [round]);
  const refused = badRows(form.problem);

  async function submit(event: Event) {
    event.preventDefault();
    if (!file) return;
    setResult(null);
    const run = await form.send(() => send(form.draft.kind as Kind, file));
    if (run) {
      setResult({ name: file.name, run });
      setFile(null);
      setRound((r) => r + 1);
      onImported();
    }
  }

  return (
    <section class="dashboard imports" aria-labelledby="territory-imports">
      <h2 id="territory-imports">{t.importsTitle}</h2>
      <p>{t.importsIntro}</p>
      <form onSubmit={submit} class="filters">
        <Select label={t.kind} name="kind" value={form.draft.kind} onChange={form.set("kind")}
                options={KINDS.map((k) => ({ value: k, label: t.kinds[k] }))} />
        <Field key={round} label={t.file} name="file" type="file" accept=".csv,text/csv" required
               problem={refused ? null : form.problem} disabled={form.busy}
               onChange={(e) => { setFile((e.target as HTMLInputElement).files?.[0] ?? null); form.setProblem(null); setResult(null); }} />
        <div class="actions">
          <button type="submit" disabled={!file || form.busy}>{form.busy ? t.uploading : t.upload}</button>
        </div>
      </form>
      {form.busy && <p class="state" role="status">{t.uploading}</p>}
      {result && (
        <div class="notice" role="status">
          <p><strong>{fill(t.imported, { name: result.name })}</strong></p>
          <dl class="facts import-counts">
            {COUNTS.map((key) => [
              <dt key={`${key}-t`}>{t.counts[key]}</dt>,
              <dd key={`${key}-d`}>{number(result.run[key], lang)}</dd>,
            ])}
          </dl>
        </div>
      )}
      {refused ? (
        <div class="problem" role="alert">
          <strong>{fill(t.rejected, { n: number(refused.total, lang) })}</strong>
          {refused.total > refused.rows.length && (
            <p>{fill(t.rejectedShown, { shown: number(refused.rows.length, lang), n: number(refused.total, lang) })}</p>
          )}
          <div class="table-wrap">
            <table class="bad-rows">
              <caption>{t.badRows}</caption>
              <thead>
                <tr><th scope="col" class="num">{t.line}</th><th scope="col">{t.column}</th><th scope="col">{t.reason}</th></tr>
              </thead>
              <tbody>
                {refused.rows.map((r, i) => (
                  <tr key={`${r.line}-${r.column}-${i}`}>
                    <td class="num">{r.line ?? "–"}</td>
                    <td>{r.column ?? "–"}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : <ProblemBox problem={form.problem} fields={["file"]} />}
      <h3>{t.history}</h3>
      {runs.problem ? <ProblemBox problem={runs.problem} onRetry={runs.reload} /> : !runs.data ? null
        : runs.data.length === 0 ? <Empty>{t.noImports}</Empty> : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.when}</th>
                  <th scope="col">{t.kind}</th>
                  <th scope="col">{t.fileName}</th>
                  {COUNTS.map((key) => <th key={key} scope="col" class="num">{t.counts[key]}</th>)}
                  <th scope="col">{t.demo}</th>
                  <th scope="col">{t.importedBy}</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((run) => (
                  <tr key={run.id}>
                    <td>{run.id}</td>
                    <td>{t.kinds[run.kind] ?? run.kind}</td>
                    <td>{run.filename ?? "–"}</td>
                    {COUNTS.map((key) => <td key={key} class="num">{number(run[key], lang)}</td>)}
                    <td>{run.demo ? m.common.yes : m.common.no}</td>
                    <td>{run.imported_by ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
