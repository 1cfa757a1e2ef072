// A cluster manager's new shared resource: for which of its clusters, of what kind, and which EMAS requirements
// it covers. The versions and files come next, on the resource's page.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { useMessages } from "../../i18n";
import { useForm } from "../../lib/useForm";
import { navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { RESOURCE_TYPES, type ResourceType, loadRequirements } from "./data";
import { RequirementPicker } from "./RequirementPicker";

const FIELDS = ["cluster_id", "type", "title", "description", "requirements"];

export function CreateResource({ clusters }: { clusters: Map<number, string> }) {
  const m = useMessages().emas;
  const { me } = useSession();
  const tree = useApi(() => loadRequirements(), []);
  // A manager creates for its own clusters; an administrator for any.
  const own = me?.role === "admin" ? [...clusters.keys()] : me?.clusters ?? [];
  const { draft, set, problem, busy, send } = useForm({ cluster_id: own.length === 1 ? String(own[0]) : "", type: "",
                                                        title: "", description: "" });
  const [requirements, setRequirements] = useState<string[]>([]);

  async function submit(event: Event) {
    event.preventDefault();
    const body: Schemas["ResourceCreate"] = {
      cluster_id: Number(draft.cluster_id) || null, type: draft.type as ResourceType, title: draft.title.trim(),
      description: draft.description.trim() || null, requirements,
    };
    const created = await send(() => api.POST("/api/v1/emas/resources", { body }));
    if (created) navigate(`/emas/resources/${created.id}`);
  }

  return (
    <form class="emas-form" onSubmit={submit} aria-labelledby="emas-create-title">
      <h2 id="emas-create-title">{m.create.title}</h2>
      <ProblemBox problem={problem} fields={FIELDS} />
      <Select label={m.cluster} name="cluster_id" required value={draft.cluster_id} onChange={set("cluster_id")}
              problem={problem}
              options={[{ value: "", label: m.create.chooseCluster },
                        ...own.map((id) => ({ value: String(id), label: clusters.get(id) ?? `#${id}` }))]} />
      <Select label={m.type} name="type" required value={draft.type} onChange={set("type")} problem={problem}
              options={[{ value: "", label: m.create.chooseType },
                        ...RESOURCE_TYPES.map((t) => ({ value: t, label: m.types[t] }))]} />
      <Field label={m.create.resourceTitle} name="title" required maxLength={300} value={draft.title}
             onInput={set("title")} problem={problem} />
      <TextArea label={m.description} name="description" rows={4} maxLength={20000} value={draft.description}
                onInput={set("description")} problem={problem} />
      <Async state={tree}>
        {(t) => <RequirementPicker tree={t} value={requirements} onChange={setRequirements} problem={problem} />}
      </Async>
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.saving : m.create.submit}</button>
      </div>
    </form>
  );
}
