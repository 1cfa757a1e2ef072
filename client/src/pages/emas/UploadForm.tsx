// Adds a file to a draft version, showing how much has been sent; a refused file (too large, a type the API
// does not accept, a name that does not match the content) is said under the file field.
import { useRef, useState } from "preact/hooks";
import { Field, Progress } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import type { Problem } from "../../lib/problem";
import { type Version, atField, humanSize } from "./logic";
import { type Upload, uploadFile } from "./transfer";

const ACCEPT = ".pdf,.docx,.xlsx,.odt,.ods,.png,.jpg,.jpeg,.txt,.md,.csv";

export function UploadForm({ resourceId, number, onDone }: {
  resourceId: number; number: number; onDone: (version: Version) => void;
}) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const current = useRef<Upload | null>(null);
  // Remounting the file input is the way to empty it once its file is uploaded.
  const [round, setRound] = useState(0);

  async function submit(event: Event) {
    event.preventDefault();
    if (!file) return;
    setProblem(null);
    setDone(null);
    setProgress({ sent: 0, total: file.size });
    const upload = uploadFile(resourceId, number, file, (sent, total) => setProgress({ sent, total }), m.upload.networkError);
    current.current = upload;
    const result = await upload.done;
    current.current = null;
    setProgress(null);
    if (result.version) {
      setDone(fill(m.upload.done, { name: file.name }));
      setFile(null);
      setRound(round + 1);
      onDone(result.version);
    } else if (result.problem) {
      setProblem(atField(result.problem, "file"));
    }
  }

  const uploading = progress !== null;
  const share = progress ? Math.round((100 * progress.sent) / Math.max(progress.total, 1)) : 0;
  return (
    <form class="emas-upload" onSubmit={submit}>
      <Field key={round} label={fill(m.upload.label, { n: number })} name="file" type="file" accept={ACCEPT} required
             hint={m.upload.hint} problem={problem} disabled={uploading}
             onChange={(e) => { setFile((e.target as HTMLInputElement).files?.[0] ?? null); setProblem(null); setDone(null); }} />
      {file && !uploading && <p class="source">{file.name} · {humanSize(file.size, lang)}</p>}
      {progress && (
        <Progress value={progress.sent} max={progress.total}
                  label={fill(m.upload.progress, { share, sent: humanSize(progress.sent, lang), total: humanSize(progress.total, lang) })} />
      )}
      {done && <p class="notice" role="status">{done}</p>}
      <div class="actions">
        <button type="submit" disabled={!file || uploading}>{m.upload.submit}</button>
        {uploading && <button type="button" class="secondary" onClick={() => current.current?.abort()}>{m.upload.cancel}</button>}
      </div>
    </form>
  );
}
