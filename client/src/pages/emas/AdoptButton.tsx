// A member firm takes up a validated version: the requirements it covers then need no verification of their own.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { ProblemBox } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { type Problem, asProblem } from "../../lib/problem";

export function AdoptButton({ organizationId, resourceId, version, title, onDone }: {
  organizationId: number; resourceId: number; version: number; title?: string; onDone: () => void;
}) {
  const m = useMessages().emas;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function adopt() {
    setBusy(true);
    setProblem(null);
    const r = await api.POST("/api/v1/organizations/{organization_id}/adoptions", {
      params: { path: { organization_id: organizationId } }, body: { resource_id: resourceId, version },
    });
    setBusy(false);
    if (r.data) onDone();
    else setProblem(asProblem(r.error, r.response));
  }

  return (
    <div class="emas-adopt">
      <button type="button" onClick={adopt} disabled={busy}
              aria-label={title ? fill(m.adopt.named, { title, n: version }) : undefined}>
        {busy ? m.saving : fill(m.adopt.submit, { n: version })}
      </button>
      <ProblemBox problem={problem} />
    </div>
  );
}
