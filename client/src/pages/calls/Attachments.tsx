// An application's documents: the list it carries and, while it is a draft, one file field per required
// document of the call (and one for any other), each upload with its progress and its error beside the field.
import { useId, useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Empty, Progress } from "../../components/ui";
import { type Language, fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import type { Problem } from "../../lib/problem";
import { useApi } from "../../lib/useApi";
import { type Attachment, uploadAttachment } from "./upload";

export function Attachments({ applicationId, required, editable, onChange }: {
  applicationId: number;
  required: string[];
  editable: boolean;
  onChange?: () => void;
}) {
  const m = useMessages();
  const lang = useLanguage();
  const [fresh, setFresh] = useState<Attachment[] | null>(null);
  const loaded = useApi((signal) => api.GET("/api/v1/applications/{application_id}/attachments", {
    signal, params: { path: { application_id: applicationId } },
  }), [applicationId]);
  const state = fresh ? { ...loaded, data: fresh, problem: null } : loaded;
  const uploaded = (rows: Attachment[]) => { setFresh(rows); onChange?.(); };
  const hint = useId();

  return (
    <section aria-labelledby="attachments-title">
      <h2 id="attachments-title">{m.calls.attachments}</h2>
      <Async state={state}>
        {(rows) => (
          <>
            {required.length > 0 && (
              <ul class="calls-plain calls-checklist">
                {required.map((doc) => {
                  const has = rows.some((r) => r.document === doc);
                  return (
                    <li key={doc}>
                      <span class={`badge ${has ? "ok" : "warn"}`}>{has ? m.calls.carried : m.calls.missing}</span> {doc}
                    </li>
                  );
                })}
              </ul>
            )}
            {rows.length === 0 ? <Empty>{m.calls.noAttachments}</Empty> : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{m.calls.fileName}</th><th scope="col">{m.calls.document}</th>
                      <th scope="col">{m.calls.mediaType}</th><th scope="col" class="num">{m.calls.size}</th>
                      <th scope="col">{m.calls.uploadedAt}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.id}>
                        <td class="calls-wrap">{r.filename}</td>
                        <td>{r.document ?? "–"}</td>
                        <td>{r.media_type}</td>
                        <td class="num">{size(r.size, lang)}</td>
                        <td>{dateTime(r.uploaded_at, lang)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Async>
      {editable && (
        <>
          <p class="source" id={hint}>{m.calls.attachHint}</p>
          <div class="calls-uploads">
            {required.map((doc) => (
              <FileField key={doc} applicationId={applicationId} document={doc} hint={hint}
                         label={fill(m.calls.attachFor, { document: doc })} onUploaded={uploaded} />
            ))}
            <FileField applicationId={applicationId} document={null} label={m.calls.attachOther} hint={hint}
                       onUploaded={uploaded} />
          </div>
        </>
      )}
    </section>
  );
}

function size(bytes: number, lang: Language): string {
  if (bytes < 1024) return `${number(bytes, lang)} B`;
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, lang, 1)} kB`;
  return `${number(bytes / 1024 / 1024, lang, 1)} MB`;
}

/** One file field: choosing a file uploads it at once, showing progress; the API's refusal shows beside it. */
function FileField({ applicationId, document, label, hint, onUploaded }: {
  applicationId: number;
  document: string | null;
  label: string;
  hint: string;
  onUploaded: (rows: Attachment[]) => void;
}) {
  const m = useMessages();
  const id = useId();
  const [progress, setProgress] = useState<{ name: string; sent: number; total: number } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState("");

  async function choose(event: Event) {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setProblem(null);
    setDone("");
    setProgress({ name: file.name, sent: 0, total: file.size });
    const result = await uploadAttachment(applicationId, file, document,
      (sent, total) => setProgress({ name: file.name, sent, total })).promise;
    setProgress(null);
    input.value = "";
    if ("problem" in result) {
      setProblem(result.problem);
      return;
    }
    setDone(fill(m.calls.uploaded, { name: file.name }));
    onUploaded(result.data);
  }

  const message = problem ? [problem.detail || problem.title, ...(problem.errors ?? []).map((e) => e.message)].join(" ") : "";
  return (
    <div class={`field${message ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      <input id={id} type="file" name={document ? `attachments.${document}` : "attachments"}
             accept=".pdf,.docx,.xlsx,.odt,.ods,.png,.jpg,.jpeg,.txt,.md,.csv" disabled={!!progress}
             aria-invalid={message ? "true" : undefined}
             aria-describedby={`${hint}${message ? ` ${id}-error` : ""}`} onChange={choose} />
      {progress && <Progress value={progress.sent} max={progress.total} label={fill(m.calls.uploading, { name: progress.name })} />}
      {message && <span class="field-error" id={`${id}-error`} role="alert">{message}</span>}
      {done && <span class="source" role="status">{done}</span>}
    </div>
  );
}
