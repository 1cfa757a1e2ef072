// A call's budget against what the ledger says is used, funder by funder.
import { api } from "../../api/client";
import { Async } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { euro, percent } from "../../lib/format";
import { useApi } from "../../lib/useApi";

export function Budget({ callId }: { callId: number }) {
  const m = useMessages();
  const lang = useLanguage();
  const budget = useApi((signal) => api.GET("/api/v1/calls/{call_id}/budget", {
    signal, params: { path: { call_id: callId } },
  }), [callId]);
  return (
    <section aria-labelledby="budget-title">
      <h2 id="budget-title">{m.calls.budgetTitle}</h2>
      <Async state={budget}>
        {(b) => (
          <>
            <div class="table-wrap">
              <table class="calls-budget">
                <thead>
                  <tr>
                    <th scope="col">{m.calls.funder}</th>
                    <th scope="col" class="num">{m.calls.contribution}</th>
                    <th scope="col" class="num">{m.calls.allocated}</th>
                    <th scope="col" class="num">{m.calls.remaining}</th>
                    <th scope="col" class="calls-bar"><span class="sr-only">{m.calls.allocated} %</span></th>
                  </tr>
                </thead>
                <tbody>
                  {b.funders.map((f) => {
                    const share = Number(f.contribution) > 0 ? Number(f.allocated) / Number(f.contribution) : 0;
                    return (
                      <tr key={f.funder_id}>
                        <th scope="row">{f.name}</th>
                        <td class="num">{euro(f.contribution, lang)}</td>
                        <td class="num">{euro(f.allocated, lang)}</td>
                        <td class="num">{euro(f.remaining, lang)}</td>
                        <td class="calls-bar">
                          <meter min={0} max={1} value={share} aria-label={fill(m.calls.usedShare, { name: f.name })} />{" "}
                          {percent(share, lang)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">{m.calls.total}</th>
                    <td class="num">{euro(b.total, lang)}</td>
                    <td class="num">{euro(b.allocated, lang)}</td>
                    <td class="num">{euro(b.remaining, lang)}</td>
                    <td class="calls-bar">{percent(Number(b.total) > 0 ? Number(b.allocated) / Number(b.total) : 0, lang)}</td>
                  </tr>
                </tfoot>
              </table>
            </div>
            <p class="source">{fill(m.calls.budgetNote, { granted: euro(b.granted_by_applications, lang) })}</p>
          </>
        )}
      </Async>
    </section>
  );
}
