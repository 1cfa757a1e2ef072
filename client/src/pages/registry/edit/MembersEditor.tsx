// The cluster's members: who they are, adding an organization found by name, removing one (asked twice, since
// a removal cannot be undone from here).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "../../../api/client";
import { Async, Empty, Field, ProblemBox, Select } from "../../../components/ui";
import { fill, useLanguage, useMessages } from "../../../i18n";
import { date } from "../../../lib/format";
import { type Problem, asProblem } from "../../../lib/problem";
import { useApi } from "../../../lib/useApi";
import { valueOf } from "./controls";
import { OrganizationSearch } from "./OrganizationSearch";

type Role = Schemas["MembershipRole"];
const ROLES: Role[] = ["member", "coordinator", "supporting_institution"];

export function MembersEditor({ clusterId }: { clusterId: number }) {
  const m = useMessages();
  const e = m.registry.edit;
  const lang = useLanguage();
  const members = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}/members", {
    signal, params: { path: { cluster_id: clusterId }, query: { limit: 200 } },
  }), [clusterId]);
  const [picked, setPicked] = useState<Schemas["OrganizationRead"] | null>(null);
  const [role, setRole] = useState<Role>("member");
  const [joined, setJoined] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [notice, setNotice] = useState("");
  const yes = useRef<HTMLButtonElement>(null);
  // The button pressed disappears: keyboard focus goes to what replaced it.
  useEffect(() => {
    if (confirming !== null) yes.current?.focus();
  }, [confirming]);
  useEffect(() => {
    if (picked) document.getElementById("member-role")?.focus();
  }, [picked]);

  async function add(event: Event) {
    event.preventDefault();
    if (!picked) return;
    setBusy(true);
    const r = await api.POST("/api/v1/clusters/{cluster_id}/members", {
      params: { path: { cluster_id: clusterId } },
      body: { organization_id: picked.id, role, joined_date: joined || null },
    });
    setBusy(false);
    if (r.error !== undefined || !r.data) {
      setProblem(asProblem(r.error, r.response));
      return;
    }
    setProblem(null);
    setNotice(fill(e.memberAdded, { name: picked.name }));
    setPicked(null);
    setJoined("");
    members.reload();
  }

  async function remove(member: Schemas["MemberRead"]) {
    setBusy(true);
    const r = await api.DELETE("/api/v1/clusters/{cluster_id}/members/{membership_id}", {
      params: { path: { cluster_id: clusterId, membership_id: member.id } },
    });
    setBusy(false);
    setConfirming(null);
    if (!r.response.ok) {
      setProblem(asProblem(r.error, r.response));
      return;
    }
    setProblem(null);
    setNotice(fill(e.memberRemoved, { name: member.organization.name }));
    members.reload();
  }

  const roleLabel = (r: string) => e.roles[r] ?? r;
  const current = members.data?.items.map((x) => x.organization.id) ?? [];

  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">{m.registry.members}</h2>
      {notice && <p class="notice" role="status">{notice}</p>}
      <ProblemBox problem={problem} fields={["organization_id", "role", "joined_date"]} />
      <Async state={members}>
        {(page) => page.items.length === 0 ? <Empty>{m.registry.noMembers}</Empty> : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.registry.name}</th>
                  <th scope="col">{m.registry.memberRole}</th>
                  <th scope="col">{e.joined}</th>
                  <th scope="col"><span class="sr-only">{e.actions}</span></th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((member) => (
                  <tr key={member.id}>
                    <td>{member.organization.name}</td>
                    <td>{roleLabel(member.role)}</td>
                    <td>{member.joined_date ? date(member.joined_date, lang) : "–"}</td>
                    <td class="row-actions">
                      {confirming === member.id ? (
                        <span>
                          <span>{fill(e.confirmRemove, { name: member.organization.name })} </span>
                          <button type="button" class="danger" ref={yes} disabled={busy} onClick={() => remove(member)}>
                            {e.removeYes}
                          </button>{" "}
                          <button type="button" class="secondary" onClick={() => setConfirming(null)}>{m.common.cancel}</button>
                        </span>
                      ) : (
                        <button type="button" class="secondary" onClick={() => setConfirming(member.id)}
                                aria-label={`${e.remove}: ${member.organization.name}`}>{e.remove}</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      <h3>{e.addMember}</h3>
      {picked ? (
        <form class="filters" onSubmit={add}>
          <p class="picked"><strong>{picked.name}</strong>{" "}
            <button type="button" class="secondary" onClick={() => setPicked(null)}>{e.changeOrganization}</button>
          </p>
          <Select id="member-role" label={m.registry.memberRole} name="role" value={role} problem={problem}
                  options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
                  onChange={(ev) => setRole(valueOf(ev) as Role)} />
          <Field label={e.joined} name="joined_date" type="date" value={joined} problem={problem}
                 onInput={(ev) => setJoined(valueOf(ev))} />
          <div class="actions"><button type="submit" disabled={busy}>{e.addMemberButton}</button></div>
        </form>
      ) : (
        <OrganizationSearch label={e.findOrganization} action={e.choose} exclude={current}
                            onPick={(o) => { setPicked(o); setNotice(""); setProblem(null); }} />
      )}
    </section>
  );
}
