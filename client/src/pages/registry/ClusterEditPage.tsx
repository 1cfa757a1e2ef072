// Editing a cluster: its fields saved with PATCH under the ETag that was read (If-Match), so a change someone
// else saved meanwhile is never overwritten silently (412: reload, keeping one's edits on top); and its members.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { type Problem, asProblem, collapseLists, fieldMessages, localProblem } from "../../lib/problem";
import { Link } from "../../lib/router";
import { type Me, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { ClusterForm, FORM_FIELDS } from "./edit/ClusterForm";
import { type Draft, fromCluster, reapply, sectorsOf, tagsOf, toPatch } from "./edit/draft";
import { MembersEditor } from "./edit/MembersEditor";

type Cluster = Schemas["ClusterRead"];
interface Read { cluster: Cluster; etag: string | null }

async function readCluster(id: number, signal?: AbortSignal) {
  const r = await api.GET("/api/v1/clusters/{cluster_id}", { signal, params: { path: { cluster_id: id } } });
  if (!r.data) return { error: r.error, response: r.response };
  return { data: { cluster: r.data, etag: r.response.headers.get("ETag") } as Read, response: r.response };
}

/** The same rule the API applies (api/auth/policy.py): admins, officers of the cluster's region, its managers. */
export function mayEdit(me: Me | null, cluster: Cluster): boolean {
  if (!me) return false;
  if (me.role === "admin") return true;
  if (me.role === "cluster_manager") return me.clusters.includes(cluster.id);
  if (me.role === "region_officer") return me.regions.some((r) => (cluster.region_code ?? "").startsWith(r));
  return false;
}

export default function ClusterEditPage({ params }: PageProps) {
  const m = useMessages();
  const { me } = useSession();
  const id = Number(params.id);
  const loaded = useApi((signal) => readCluster(id, signal), [id]);
  return (
    <Async state={loaded}>
      {(read) => mayEdit(me, read.cluster) ? <Editor initial={read} /> : (
        <section>
          <h1>{read.cluster.name}</h1>
          <p class="problem" role="alert">{m.registry.edit.notYours}</p>
          <p><Link href={`/clusters/${id}`}>← {m.registry.edit.backToCluster}</Link></p>
        </section>
      )}
    </Async>
  );
}

function Editor({ initial }: { initial: Read }) {
  const m = useMessages();
  const e = m.registry.edit;
  const lang = useLanguage();
  const [read, setRead] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => fromCluster(initial.cluster));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<number | null>(null);
  const [conflict, setConflict] = useState(false);
  const [nothing, setNothing] = useState(false);
  const cluster = read.cluster;
  const pending = Object.keys(toPatch(cluster, draft).body).length > 0;

  // After a refused save, the first field in error takes the focus, so its message is read out at once.
  useEffect(() => {
    if (problem?.errors?.length) (document.querySelector("form.cluster-edit [aria-invalid='true']") as HTMLElement | null)?.focus();
  }, [problem]);

  // Closing or reloading the tab with unsaved edits asks first (the browser words the question).
  useEffect(() => {
    if (!pending) return undefined;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [pending]);

  function change(next: Draft) {
    setDraft(next);
    setSaved(null);
    setNothing(false);
  }

  async function save(event: Event) {
    event.preventDefault();
    const { body, problems } = toPatch(cluster, draft);
    setSaved(null);
    setNothing(false);
    if (problems.length) {
      setProblem(localProblem(e.notSaved, problems.map((p) => ({ field: p.field, message: e.numberProblems[p.problem] }))));
      return;
    }
    if (Object.keys(body).length === 0) {
      setProblem(null);
      setNothing(true);
      return;
    }
    setBusy(true);
    const r = await api.PATCH("/api/v1/clusters/{cluster_id}", {
      params: { path: { cluster_id: cluster.id }, header: read.etag ? { "If-Match": read.etag } : undefined },
      body,
    });
    setBusy(false);
    if (r.data) {
      setRead({ cluster: r.data, etag: r.response.headers.get("ETag") });
      setDraft(fromCluster(r.data));
      setProblem(null);
      setConflict(false);
      setSaved(r.data.version);
      return;
    }
    if (r.response.status === 412) {
      setProblem(null);
      setConflict(true);
      return;
    }
    // Item errors of the lists typed in one box ("sectors.0.nace.1") go beside that box, naming the item.
    const lists: Record<string, string[]> = { tags: tagsOf(draft) };
    sectorsOf(draft).forEach((s, i) => { lists[`sectors.${i}.nace`] = s.nace ?? []; });
    setProblem(collapseLists(asProblem(r.error, r.response), lists));
  }

  async function reload(keepMine: boolean) {
    setBusy(true);
    const r = await readCluster(cluster.id);
    setBusy(false);
    if (!r.data) {
      setProblem(asProblem(r.error, r.response));
      return;
    }
    setDraft(keepMine ? reapply(cluster, draft, r.data.cluster) : fromCluster(r.data.cluster));
    setRead(r.data);
    setConflict(false);
    setProblem(null);
  }

  const invalid = Object.keys(fieldMessages(problem));
  return (
    <section class="cluster-editor">
      <p><Link href={`/clusters/${cluster.id}`}>← {e.backToCluster}</Link></p>
      <h1>{fill(e.title, { name: cluster.name })}</h1>
      <p class="source">{fill(e.versionLine, { version: cluster.version, when: dateTime(cluster.updated_at, lang) })}</p>

      <form class="cluster-edit" onSubmit={save} noValidate aria-describedby="edit-help">
        <p id="edit-help" class="state">{e.help}</p>
        <ClusterForm draft={draft} problem={problem} onChange={change} />
        <div class="edit-bar">
          {conflict && (
            <div class="problem" role="alert">
              <strong>{e.conflictTitle}</strong>
              <p>{e.conflictText}</p>
              <div class="actions">
                <button type="button" disabled={busy} onClick={() => reload(true)}>{e.reloadKeep}</button>
                <button type="button" class="secondary" disabled={busy} onClick={() => reload(false)}>{e.reloadDiscard}</button>
              </div>
            </div>
          )}
          {invalid.length > 0 && <p class="problem" role="alert">{fill(e.fixFields, { n: invalid.length })}</p>}
          <ProblemBox problem={problem} fields={[...FORM_FIELDS, ""]} />
          {saved !== null && (
            <p class="notice" role="status">
              {fill(e.saved, { version: saved })}{" "}
              <Link href={`/clusters/${cluster.id}`}>{e.viewCluster}</Link>
            </p>
          )}
          {nothing && <p class="notice" role="status">{e.nothingToSave}</p>}
          <div class="actions">
            <button type="submit" disabled={busy || conflict}>{busy ? e.saving : m.common.save}</button>
            <button type="button" class="secondary" disabled={busy || !pending} onClick={() => change(fromCluster(cluster))}>
              {e.undo}
            </button>
            <Link class="button secondary" href={`/clusters/${cluster.id}`}>{e.backToCluster}</Link>
            <span class="state" aria-live="polite">{pending ? e.unsaved : ""}</span>
          </div>
        </div>
      </form>

      <MembersEditor clusterId={cluster.id} />
    </section>
  );
}
