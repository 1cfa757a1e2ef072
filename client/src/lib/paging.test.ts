import { describe, expect, it } from "vitest";
import { everyItem } from "./paging";

describe("everyItem", () => {
  it("follows a list's cursors to the end, and stops at a failed page", async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      start: { items: [1, 2], next_cursor: "b" }, b: { items: [3], next_cursor: null },
    };
    const response = new Response();
    const read = async (cursor: string | undefined) => ({ data: { ...pages[cursor ?? "start"], limit: 2 }, response });
    expect((await everyItem(read)).data).toEqual([1, 2, 3]);
    const failing = async (cursor: string | undefined) =>
      cursor ? { error: { title: "Gone", status: 410 }, response } : { data: pages.start, response };
    expect(await everyItem(failing)).toEqual({ error: { title: "Gone", status: 410 }, response });
  });
});
