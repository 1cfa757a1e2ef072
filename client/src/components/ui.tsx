// The building blocks every screen shares: states (loading, empty, error), labelled fields, paging, sorting.
import type { ComponentChildren, JSX } from "preact";
import { useId } from "preact/hooks";
import { useMessages } from "../i18n";
import { type Problem, fieldMessages, unclaimed } from "../lib/problem";

export function Loading({ label }: { label?: string }) {
  const m = useMessages();
  return (
    <p class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label ?? m.common.loading}
    </p>
  );
}

export function Empty({ children }: { children?: ComponentChildren }) {
  const m = useMessages();
  return <p class="state empty">{children ?? m.common.empty}</p>;
}

/** A problem from the API that no field claims; `fields` are the form's own fields, shown beside them instead. */
export function ProblemBox({ problem, fields = [], onRetry }: { problem: Problem | null; fields?: string[]; onRetry?: () => void }) {
  const m = useMessages();
  const lines = unclaimed(problem, fields);
  if (!problem || lines.length === 0) return null;
  return (
    <div class="problem" role="alert">
      <strong>{lines[0]}</strong>
      {lines.length > 1 && (
        <ul>
          {lines.slice(1).map((line) => <li key={line}>{line}</li>)}
        </ul>
      )}
      {onRetry && <button type="button" onClick={onRetry}>{m.common.retry}</button>}
    </div>
  );
}

/** Renders a load's three states around the content. */
export function Async<T>({ state, children, empty }: {
  state: { data: T | null; problem: Problem | null; loading: boolean; reload?: () => void };
  children: (data: T) => ComponentChildren;
  empty?: (data: T) => boolean;
}) {
  if (state.problem) return <ProblemBox problem={state.problem} onRetry={state.reload} />;
  if (state.data === null) return state.loading ? <Loading /> : null;
  if (empty?.(state.data)) return <Empty />;
  return <>{children(state.data)}</>;
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "label" | "name"> & {
  label: string;
  name: string;
  problem?: Problem | null;
  hint?: string;
};

function useFieldId(given: unknown, name: string): string {
  const generated = useId();
  return (given as string | undefined) ?? `${generated}-${name.replace(/[^\w-]/g, "_")}`;
}

/** A labelled input; the API's message for this field (its path in the body) is shown under it. */
export function Field({ label, name, problem, hint, ...rest }: InputProps) {
  const id = useFieldId(rest.id, name);
  const message = fieldMessages(problem)[name];
  const describedBy = [hint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={`field${message ? " invalid" : ""}`}>
      <label for={id}>{label}{rest.required ? " *" : ""}</label>
      <input id={id} name={name} aria-invalid={message ? "true" : undefined}
             aria-describedby={describedBy || undefined} {...rest} />
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {message && <span class="field-error" id={`${id}-error`}>{message}</span>}
    </div>
  );
}

type SelectProps = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, "label" | "name"> & {
  label: string;
  name: string;
  options: { value: string; label: string }[];
  problem?: Problem | null;
};

export function Select({ label, name, options, problem, ...rest }: SelectProps) {
  const id = useFieldId(rest.id, name);
  const message = fieldMessages(problem)[name];
  return (
    <div class={`field${message ? " invalid" : ""}`}>
      <label for={id}>{label}{rest.required ? " *" : ""}</label>
      <select id={id} name={name} aria-invalid={message ? "true" : undefined}
              aria-describedby={message ? `${id}-error` : undefined} {...rest}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      {message && <span class="field-error" id={`${id}-error`}>{message}</span>}
    </div>
  );
}

type TextAreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, "label" | "name"> & {
  label: string;
  name: string;
  problem?: Problem | null;
};

export function TextArea({ label, name, problem, ...rest }: TextAreaProps) {
  const id = useFieldId(rest.id, name);
  const message = fieldMessages(problem)[name];
  return (
    <div class={`field${message ? " invalid" : ""}`}>
      <label for={id}>{label}{rest.required ? " *" : ""}</label>
      <textarea id={id} name={name} aria-invalid={message ? "true" : undefined}
                aria-describedby={message ? `${id}-error` : undefined} {...rest} />
      {message && <span class="field-error" id={`${id}-error`}>{message}</span>}
    </div>
  );
}

/** Previous / next over the API's opaque cursors: the cursors already passed are kept to go back. */
export function Pager({ hasPrevious, nextCursor, onPrevious, onNext }: {
  hasPrevious: boolean; nextCursor: string | null | undefined; onPrevious: () => void; onNext: (cursor: string) => void;
}) {
  const m = useMessages();
  if (!hasPrevious && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={m.common.page}>
      <button type="button" onClick={onPrevious} disabled={!hasPrevious}>← {m.common.previous}</button>
      <button type="button" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        {m.common.next} →
      </button>
    </nav>
  );
}

/** A column header that sorts: `sort` is the API's sort value ("name" or "-name"). */
export function SortHeader({ label, field, sort, onSort }: {
  label: string; field: string; sort: string; onSort: (sort: string) => void;
}) {
  const active = sort === field || sort === `-${field}`;
  const descending = sort === `-${field}`;
  const ariaSort = active ? (descending ? "descending" : "ascending") : "none";
  return (
    <th scope="col" aria-sort={ariaSort}>
      <button type="button" class="sort" onClick={() => onSort(active && !descending ? `-${field}` : field)}>
        {label} <span aria-hidden="true">{active ? (descending ? "▼" : "▲") : "↕"}</span>
      </button>
    </th>
  );
}

export function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  return (
    <div class="progress">
      <label>
        {label}
        <progress value={value} max={max}>{Math.round((100 * value) / Math.max(max, 1))}%</progress>
      </label>
    </div>
  );
}
