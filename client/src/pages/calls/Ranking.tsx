// The ranking, for those who run the call: the ranked applications in order, and the action that ranks the
// evaluated ones (the API admits them while the budget covers them and puts the rest on the reserve list).
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Empty, ProblemBox } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { type Problem, asProblem } from "../../lib/problem";
import { useApi } from "../../lib/useApi";
import { AppsTable } from "./ApplicationsTable";
import { everyItem } from "../../lib/paging";
import { type Application } from "./logic";

export function Ranking({ callId, onRanked }: { callId: number; onRanked: () => void }) {
  const m = useMessages();
  const [round, setRound] = useState(0);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState("");
  // The ranking as the API keeps it, in rank order; and the evaluated applications that wait to be ranked.
  const ranking = useApi((signal) => api.GET("/api/v1/calls/{call_id}/ranking", {
    signal, params: { path: { call_id: callId } },
  }), [callId, round]);
  const evaluated = useApi((signal) => everyItem<Application>((cursor) => api.GET("/api/v1/calls/{call_id}/applications", {
    signal, params: { path: { call_id: callId }, query: { state: "evaluated", limit: 200, cursor } },
  })), [callId, round]);
  const both = {
    data: ranking.data && evaluated.data ? { ranked: ranking.data, waiting: evaluated.data.length } : null,
    problem: ranking.problem ?? evaluated.problem, loading: ranking.loading || evaluated.loading,
    reload: () => { ranking.reload(); evaluated.reload(); },
  };

  async function rank() {
    if (!confirm(m.calls.confirmRank)) return;
    setBusy(true);
    setNotice("");
    const res = await api.POST("/api/v1/calls/{call_id}/ranking", { params: { path: { call_id: callId } } });
    setBusy(false);
    if (res.data === undefined) {
      setProblem(asProblem(res.error, res.response));
      return;
    }
    setProblem(null);
    setNotice(fill(m.calls.rankedNow, { n: res.data.length }));
    setRound((r) => r + 1);
    onRanked();
  }

  return (
    <section aria-labelledby="ranking-title">
      <h2 id="ranking-title">{m.calls.ranking}</h2>
      <p class="source">{m.calls.rankingIntro}</p>
      <Async state={both}>
        {({ ranked, waiting }) => (
          <>
            {ranked.length === 0 ? <Empty>{m.calls.noRanking}</Empty> : <AppsTable items={ranked} ranked />}
            <p>{waiting === 1 ? m.calls.waitingRankingOne : fill(m.calls.waitingRanking, { n: waiting })}</p>
            <div class="actions">
              <button type="button" onClick={rank} disabled={busy || waiting === 0}>
                {busy ? m.calls.ranking_ : m.calls.rankNow}
              </button>
            </div>
          </>
        )}
      </Async>
      <ProblemBox problem={problem} />
      {notice && <p class="notice" role="status">{notice}</p>}
    </section>
  );
}
