// Who is signed in. The access token lives in sessionStorage: it ends with the tab, and never in a cookie
// (the API authenticates by bearer token only, so there is nothing for another site to ride on).
import type { Schemas } from "../api/client";
import { store, useStore } from "./store";

export type Role = Schemas["Role"];

/** Who the API says is signed in (GET /auth/me). */
export type Me = Schemas["MeRead"];

interface State {
  token: string | null;
  me: Me | null;
}

const KEY = "cartesio.session";

function load(): State {
  try {
    const raw = globalThis.sessionStorage?.getItem(KEY);
    if (raw) return JSON.parse(raw) as State;
  } catch {
    /* storage unavailable or corrupted: start signed out */
  }
  return { token: null, me: null };
}

const state = store<State>(load());

function save(next: State): void {
  try {
    if (next.token) globalThis.sessionStorage?.setItem(KEY, JSON.stringify(next));
    else globalThis.sessionStorage?.removeItem(KEY);
  } catch {
    /* private mode: the session lasts as long as the page */
  }
  state.set(next);
}

export const session = {
  token: () => state.get().token,
  me: () => state.get().me,
  start(token: string, me: Me) {
    save({ token, me });
  },
  end() {
    save({ token: null, me: null });
  },
  /** The API said the token is no longer good. */
  expire() {
    save({ token: null, me: null });
  },
  subscribe: state.subscribe,
};

export function useSession(): State {
  return useStore(state);
}

export function hasRole(me: Me | null, ...roles: Role[]): boolean {
  return !!me && (me.role === "admin" || roles.includes(me.role as Role));
}
