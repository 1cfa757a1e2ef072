// Every cluster of the register, read page by page along the API's cursors (100 at a time) so the map can
// show how far it got; the total, for the progress bar, comes from the statistics endpoint alongside.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { type Problem, asProblem } from "../../lib/problem";

export interface AllClusters {
  items: Schemas["ClusterRead"][];
  total: number | null;
  done: boolean;
  problem: Problem | null;
  retry: () => void;
}

const PAGE = 100;

export function useAllClusters(): AllClusters {
  const [state, setState] = useState<Omit<AllClusters, "retry">>({ items: [], total: null, done: false, problem: null });
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setState({ items: [], total: null, done: false, problem: null });
    // Only for the progress bar: without it the bar just counts up.
    api.GET("/api/v1/stats/clusters", { signal, params: { query: { group_by: "kind" } } }).then(
      (r) => r.data && !signal.aborted && setState((s) => ({ ...s, total: r.data.total })),
      () => undefined,
    );
    (async () => {
      let cursor: string | undefined;
      do {
        const page = await api.GET("/api/v1/clusters", { signal, params: { query: { limit: PAGE, cursor, sort: "id" } } });
        if (signal.aborted) return;
        if (!page.data) {
          setState((s) => ({ ...s, problem: asProblem(page.error, page.response) }));
          return;
        }
        const items = page.data.items;
        setState((s) => ({ ...s, items: [...s.items, ...items] }));
        cursor = page.data.next_cursor ?? undefined;
      } while (cursor);
      setState((s) => ({ ...s, done: true }));
    })().catch((error: unknown) => {
      if (!signal.aborted) setState((s) => ({ ...s, problem: asProblem(String(error)) }));
    });
    return () => controller.abort();
  }, [round]);

  return { ...state, retry: () => setRound((r) => r + 1) };
}
