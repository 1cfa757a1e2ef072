// Loads something from the API for a screen: data, the problem if it failed, and whether it is loading.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type Problem, asProblem } from "./problem";

export interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export interface Loaded<T> {
  data: T | null;
  problem: Problem | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(load: (signal: AbortSignal) => Promise<Result<T>> | null, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; problem: Problem | null; loading: boolean }>({
    data: null, problem: null, loading: true,
  });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const controller = new AbortController();
    const ticket = ++latest.current;
    const pending = load(controller.signal);
    if (!pending) {
      setState({ data: null, problem: null, loading: false });
      return () => controller.abort();
    }
    setState((s) => ({ ...s, loading: true }));
    pending.then(
      (result) => {
        if (ticket !== latest.current) return;
        if (result.data !== undefined) setState({ data: result.data, problem: null, loading: false });
        else setState({ data: null, problem: asProblem(result.error, result.response), loading: false });
      },
      (error: unknown) => {
        if (ticket !== latest.current || controller.signal.aborted) return;
        setState({ data: null, problem: asProblem(String(error)), loading: false });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}
