import { api } from "../api/client";
import { session } from "./session";
import { type Problem, asProblem } from "./problem";

/** Signs in with the password grant; on failure returns the API's problem to show next to the form. */
export async function signIn(email: string, password: string): Promise<Problem | null> {
  const token = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username: email, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (!token.data) return asProblem(token.error, token.response);
  const access = token.data.access_token;
  const me = await api.GET("/api/v1/auth/me", { headers: { Authorization: `Bearer ${access}` } });
  if (!me.data) return asProblem(me.error, me.response);
  session.start(access, me.data);
  return null;
}

export function signOut(): void {
  session.end();
}
