// An application: while a draft, its applicant edits it (PATCH with If-Match on the ETag read, so two tabs do
// not overwrite each other), attaches documents and submits it; afterwards everyone who may see it follows its
// state, history, evaluations and funding decision; an assigned evaluator scores it here.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import type { ComponentChildren } from "preact";
import { Async, Loading } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, euro, number } from "../../lib/format";
import { type Problem, asProblem } from "../../lib/problem";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { Actions } from "./Actions";
import { type ApplicationBody, ApplicationForm } from "./ApplicationForm";
import { Attachments } from "./Attachments";
import { EvaluationsSection } from "./Evaluations";
import { History } from "./History";
import { type Application, type Call, callStatus, isApplicant } from "./logic";
import { CallStatusBadge, StateBadge, callTitle } from "./parts";
import { SubmitPanel } from "./SubmitPanel";

interface Held {
  app: Application;
  etag: string | null;
}

export default function ApplicationPage({ params }: PageProps) {
  const id = Number(params.id);
  // The application as last read or written, with its ETag; a write's answer replaces it without a new read.
  const [held, setHeld] = useState<Held | null>(null);
  const [conflict, setConflict] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const loaded = useApi(async (signal) => {
    const res = await api.GET("/api/v1/applications/{application_id}", { signal, params: { path: { application_id: id } } });
    if (res.data === undefined) return res;
    const next = { app: res.data, etag: res.response.headers.get("ETag") };
    setHeld(next);
    // A fresh read restarts the form from what the server holds (after a 412 above all).
    setFormKey((k) => k + 1);
    return { data: next, response: res.response };
  }, [id]);
  const current = held && held.app.id === id ? held : loaded.data;
  const reload = () => loaded.reload();

  return (
    <Async state={{ ...loaded, data: current }}>
      {({ app, etag }) => (
        <WithCall app={app}>
          {(call) => (
            <Body app={app} call={call} conflict={conflict} formKey={formKey}
                  onSaved={(next, tag) => { setConflict(false); setHeld({ app: next, etag: tag }); }}
                  onConflict={() => { setConflict(true); reload(); }}
                  onChanged={reload} etag={etag} />
          )}
        </WithCall>
      )}
    </Async>
  );
}

function WithCall({ app, children }: { app: Application; children: (call: Call) => ComponentChildren }) {
  const call = useApi((signal) => api.GET("/api/v1/calls/{call_id}", { signal, params: { path: { call_id: app.call_id } } }),
    [app.call_id]);
  return <Async state={call}>{children}</Async>;
}

function Body({ app, call, etag, conflict, formKey, onSaved, onConflict, onChanged }: {
  app: Application;
  call: Call;
  etag: string | null;
  conflict: boolean;
  formKey: number;
  onSaved: (app: Application, etag: string | null) => void;
  onConflict: () => void;
  onChanged: () => void;
}) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const editable = app.state === "draft" && isApplicant(me, app);
  const [notice, setNotice] = useState("");

  async function save(body: ApplicationBody): Promise<Problem | null> {
    // organization_id is fixed once the draft exists: the API's PATCH body does not carry it.
    const { organization_id: _lead, ...changes } = body;
    const res = await api.PATCH("/api/v1/applications/{application_id}", {
      params: { path: { application_id: app.id } }, body: changes,
      headers: etag ? { "If-Match": etag } : {},
    });
    if (res.data !== undefined) {
      onSaved(res.data, res.response.headers.get("ETag"));
      return null;
    }
    if (res.response.status === 412) {
      onConflict();
      return null;
    }
    return asProblem(res.error, res.response);
  }

  return (
    <article class="calls-application">
      <p><Link href={`/calls/${call.id}`}>← {m.calls.backToCall}</Link></p>
      <h1>{app.title}</h1>
      <p class="calls-state-line">
        <span>{m.calls.stateNow}:</span> <StateBadge state={app.state} />
        {app.reserve && <> <span class="badge warn">{m.calls.reserve}</span></>}
        {app.is_demo && <> <span class="badge">{m.calls.demo}</span></>}
      </p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {app.state_reason && <p>{m.calls.reason}: {app.state_reason}</p>}
      <dl class="facts">
        <dt>{m.calls.call}</dt>
        <dd><Link href={`/calls/${call.id}`}>{callTitle(call, lang)}</Link> <CallStatusBadge call={call} /></dd>
        <dt>{m.calls.applicant}</dt><dd><OrganizationName id={app.organization_id} /></dd>
        <dt>{m.calls.province}</dt><dd>{app.province ?? "–"}</dd>
        <dt>{m.calls.submittedAt}</dt><dd>{dateTime(app.submitted_at, lang)}</dd>
        {app.score !== null && <><dt>{m.calls.score}</dt><dd>{number(Number(app.score), lang, 3)}</dd></>}
        {app.rank !== null && <><dt>{m.calls.rank}</dt><dd>{app.rank}</dd></>}
      </dl>

      {conflict && <p class="problem" role="alert">{m.calls.changedElsewhere}</p>}
      {editable ? (
        <>
          <h2>{m.calls.application}</h2>
          <ApplicationForm key={formKey} call={call} app={app} submitLabel={m.calls.save} busyLabel={m.calls.saving}
                           onSave={save} />
          <Attachments applicationId={app.id} required={call.required_documents} editable />
          <SubmitPanel app={app} open={callStatus(call).kind === "open"} onSubmitted={(next, tag) => { setNotice(m.calls.submitted); onSaved(next, tag); }} />
        </>
      ) : (
        <>
          <ReadOnly app={app} />
          <Attachments applicationId={app.id} required={call.required_documents} editable={false} />
        </>
      )}
      <Funding app={app} />
      <Actions app={app} onChanged={onChanged} />
      {app.state !== "draft" && <EvaluationsSection app={app} call={call} onScored={onChanged} />}
      <History applicationId={app.id} version={app.version} />
    </article>
  );
}

function OrganizationName({ id }: { id: number }) {
  const m = useMessages();
  const org = useApi((signal) => api.GET("/api/v1/organizations/{organization_id}", {
    signal, params: { path: { organization_id: id } },
  }), [id]);
  if (org.loading && !org.data) return <Loading />;
  return <>{org.data?.name ?? fill(m.calls.organizationN, { id })}</>;
}

function ReadOnly({ app }: { app: Application }) {
  const m = useMessages();
  const lang = useLanguage();
  return (
    <>
      <h2>{m.calls.application}</h2>
      <dl class="facts">
        <dt>{m.calls.summary}</dt><dd class="calls-prose">{app.summary ?? "–"}</dd>
        <dt>{m.calls.category}</dt><dd>{app.category ?? "–"}</dd>
        <dt>{m.calls.requested}</dt><dd>{euro(app.requested, lang)}</dd>
        <dt>{m.calls.budgetLines}</dt>
        <dd>
          {app.budget_lines.length === 0 ? "–" : (
            <ul class="calls-plain">
              {app.budget_lines.map((line, i) => <li key={i}>{String(line.label)}: {euro(String(line.amount), lang)}</li>)}
            </ul>
          )}
        </dd>
        <dt>{m.calls.partners}</dt>
        <dd>
          {app.partners.length === 0 ? m.calls.noPartners : (
            <ul class="calls-plain">
              {app.partners.map((p) => (
                <li key={p.organization_id}>
                  <OrganizationName id={p.organization_id} />
                  {p.receives_funds === false ? "" : ` (${m.calls.receivesFunds.toLowerCase()})`}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </>
  );
}

function Funding({ app }: { app: Application }) {
  const m = useMessages();
  const lang = useLanguage();
  const decided = ["funded", "not_funded", "in_progress", "completed", "revoked"].includes(app.state);
  if (!decided && app.definitive_requested === null) return null;
  return (
    <section aria-labelledby="funding-title">
      <h2 id="funding-title">{m.calls.funding}</h2>
      <dl class="facts">
        <dt>{m.calls.definitiveRequested}</dt><dd>{euro(app.definitive_requested, lang)}</dd>
        <dt>{m.calls.granted}</dt><dd>{app.granted === null ? (decided ? "–" : m.calls.notDecided) : euro(app.granted, lang)}</dd>
        {decided && <><dt>{m.calls.state}</dt><dd><StateBadge state={app.state} /></dd></>}
      </dl>
    </section>
  );
}
