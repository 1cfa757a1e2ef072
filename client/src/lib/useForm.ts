// The state every form of the client keeps: its draft, whether a write is under way, and the API's problem
// to show beside the fields.
import { useState } from "preact/hooks";
import { type Problem, asProblem } from "./problem";

interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

export function useForm<T extends Record<string, string>>(initial: T) {
  const [draft, setDraft] = useState<T>(initial);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  /** An input handler that copies the control's value into the draft under `key`. */
  const set = (key: keyof T) => (event: Event) =>
    setDraft((current) => ({ ...current, [key]: (event.target as HTMLInputElement).value }));

  /** Runs a write: busy meanwhile; the data on success (problem cleared), else null with the problem kept. */
  async function send<D>(request: () => Promise<Answer<D>>): Promise<D | null> {
    setBusy(true);
    try {
      const answer = await request();
      if (answer.data !== undefined) {
        setProblem(null);
        return answer.data;
      }
      setProblem(asProblem(answer.error, answer.response));
      return null;
    } finally {
      setBusy(false);
    }
  }

  return { draft, setDraft, set, problem, setProblem, busy, send };
}
