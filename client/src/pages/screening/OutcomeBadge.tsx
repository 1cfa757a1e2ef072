// An outcome in words with a mark, so it does not rest on colour alone: a phase's or criterion's pass / fail /
// unknown, or a cluster's selected / needs review / rejected.
import { useMessages } from "../../i18n";

const STYLE: Record<string, { mark: string; tone: string }> = {
  pass: { mark: "✓", tone: "ok" }, selected: { mark: "✓", tone: "ok" },
  fail: { mark: "✗", tone: "bad" }, rejected: { mark: "✗", tone: "bad" },
  unknown: { mark: "?", tone: "warn" }, needs_review: { mark: "?", tone: "warn" },
};

export function OutcomeBadge({ outcome }: { outcome: string | null | undefined }) {
  const s = useMessages().screening;
  if (!outcome) return <span class="badge">–</span>;
  const style = STYLE[outcome] ?? { mark: "", tone: "" };
  return (
    <span class={`badge ${style.tone}`}>
      <span aria-hidden="true">{style.mark} </span>{s.outcomes[outcome] ?? outcome}
    </span>
  );
}
