import { useState } from "preact/hooks";
import { Field, ProblemBox } from "../components/ui";
import { useMessages } from "../i18n";
import { signIn } from "../lib/auth";
import type { Problem } from "../lib/problem";
import { navigate, useLocation } from "../lib/router";

export default function LoginPage() {
  const m = useMessages();
  const { query } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    const failed = await signIn(email.trim(), password);
    setBusy(false);
    setProblem(failed);
    if (!failed) {
      const next = query.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") && next !== "/login" ? next : "/");
    }
  }

  return (
    <section class="narrow">
      <h1>{m.common.signInTitle}</h1>
      <ProblemBox problem={problem} />
      <form onSubmit={submit}>
        <Field label={m.common.email} name="username" type="email" autoComplete="username" required
               value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        <Field label={m.common.password} name="password" type="password" autoComplete="current-password" required
               value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>{m.common.signIn}</button>
      </form>
    </section>
  );
}
