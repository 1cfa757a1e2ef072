// A call's page: what it offers and asks, its budget against what is used, and by role: an enterprise starts an
// application and sees its own; officers see their scope's applications; evaluators their assigned ones; those
// who run the call see the ranking.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { asProblem } from "../../lib/problem";
import { Link, navigate, useLocation } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { ApplicationForm } from "./ApplicationForm";
import { ApplicationsTable } from "./ApplicationsTable";
import { Budget } from "./Budget";
import { CallDetails } from "./CallDetails";
import { type Call, callStatus, manages, runs } from "./logic";
import { CallStatusBadge, callDescription, callTitle } from "./parts";
import { Ranking } from "./Ranking";

export default function CallPage({ params }: PageProps) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const id = Number(params.id);
  const [ranked, setRanked] = useState(0);
  const call = useApi((signal) => api.GET("/api/v1/calls/{call_id}", { signal, params: { path: { call_id: id } } }), [id]);

  return (
    <Async state={call}>
      {(c) => (
        <article class="calls-call">
          <p><Link href="/calls">← {m.calls.title}</Link></p>
          <h1>{callTitle(c, lang)}</h1>
          <p><CallStatusBadge call={c} />{c.is_demo && <> <span class="badge">{m.calls.demo}</span></>}</p>
          {callDescription(c, lang) && <p class="calls-description">{callDescription(c, lang)}</p>}
          <Apply call={c} />
          {me?.role === "enterprise" && (
            <ApplicationsTable callId={id} title={m.calls.myApplications} filters={false} emptyText={m.calls.noMyApplications} />
          )}
          {manages(me) && (
            <ApplicationsTable callId={id} title={m.calls.applications} intro={m.calls.applicationsScope} filters
                               emptyText={m.calls.noApplications} reloadKey={ranked} />
          )}
          {me?.role === "evaluator" && (
            <ApplicationsTable callId={id} title={m.calls.assignedApplications} filters={false} emptyText={m.calls.noAssigned} />
          )}
          {runs(me, c) && <Ranking callId={id} onRanked={() => setRanked((n) => n + 1)} />}
          <Budget callId={id} />
          <CallDetails call={c} />
        </article>
      )}
    </Async>
  );
}

/** Starting an application: for enterprises (and administrators, who name the applicant). */
function Apply({ call }: { call: Call }) {
  const m = useMessages();
  const { me } = useSession();
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // The form appears in place of the button: keyboard and screen-reader users are taken to it.
  useEffect(() => { if (open) heading.current?.focus(); }, [open]);
  const mayApply = me?.role === "enterprise" || me?.role === "admin";
  const isOpen = callStatus(call).kind === "open";
  if (!me) {
    return (
      <p class="notice">
        {m.calls.signInToApply}{" "}
        <Link href={`/login?next=${encodeURIComponent(path)}`}>{m.common.signIn}</Link>
      </p>
    );
  }
  if (!mayApply) return null;
  if (!open) {
    return (
      <div class="actions">
        <button type="button" onClick={() => setOpen(true)}>{m.calls.startApplication}</button>
      </div>
    );
  }
  return (
    <section class="card calls-start" aria-labelledby="start-title">
      <h2 id="start-title" tabIndex={-1} ref={heading}>{m.calls.startTitle}</h2>
      <p class="source">{m.calls.startNote}</p>
      {!isOpen && <p class="notice">{m.calls.notOpenNote}</p>}
      <ApplicationForm call={call} app={null} askLead={me.role === "admin"} submitLabel={m.calls.create}
                       busyLabel={m.calls.creating} onCancel={() => setOpen(false)}
                       onSave={async (body) => {
                         const res = await api.POST("/api/v1/applications", { body: { ...body, call_id: call.id } });
                         if (res.data === undefined) return asProblem(res.error, res.response);
                         navigate(`/applications/${res.data.id}`);
                         return null;
                       }} />
    </section>
  );
}
