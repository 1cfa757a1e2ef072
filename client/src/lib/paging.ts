// Reading a whole paged list by following the API's cursors, for screens that must see every item.
import type { Result } from "./useApi";

interface PageAnswer<T> {
  data?: { items: T[]; next_cursor?: string | null };
  error?: unknown;
  response: Response;
}

/**
 * Every item of a paged list, following the cursors up to `maxPages` pages (a bound, so a runaway list cannot
 * keep a screen loading); the first failed page is the failure of the whole.
 */
export async function everyItem<T>(read: (cursor: string | undefined) => Promise<PageAnswer<T>>,
                                   maxPages = 50): Promise<Result<T[]>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 1; ; page++) {
    const res = await read(cursor);
    if (res.data === undefined) return { error: res.error, response: res.response };
    items.push(...res.data.items);
    if (!res.data.next_cursor || page >= maxPages) return { data: items, response: res.response };
    cursor = res.data.next_cursor;
  }
}
