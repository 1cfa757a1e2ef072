// Small form pieces the shared ui.tsx does not have: a labelled checkbox and the message for a whole group.
import { useId } from "preact/hooks";
import { type Problem, fieldMessages } from "../../../lib/problem";

export function Checkbox({ label, name, checked, onChange, problem }: {
  label: string; name: string; checked: boolean; onChange: (checked: boolean) => void; problem?: Problem | null;
}) {
  const id = `${useId()}-${name.replace(/[^\w-]/g, "_")}`;
  const message = fieldMessages(problem)[name];
  return (
    <div class={`field check${message ? " invalid" : ""}`}>
      <input type="checkbox" id={id} name={name} checked={checked} aria-invalid={message ? "true" : undefined}
             aria-describedby={message ? `${id}-error` : undefined}
             onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      <label for={id}>{label}</label>
      {message && <span class="field-error" id={`${id}-error`}>{message}</span>}
    </div>
  );
}

/** The API's message for a group as a whole (a list, an object), shown under the group's legend. */
export function GroupError({ problem, name }: { problem: Problem | null; name: string }) {
  const message = fieldMessages(problem)[name];
  return message ? <p class="field-error">{message}</p> : null;
}

/** The value of the input an event came from. */
export const valueOf = (event: Event): string => (event.target as HTMLInputElement).value;
