// Moving files to and from a version. Uploads go through XMLHttpRequest because fetch cannot report how much of
// a request body has been sent; downloads need the bearer token, so the browser cannot follow a plain link.
import { api, apiUrl } from "../../api/client";
import { type Problem, asProblem } from "../../lib/problem";
import { session } from "../../lib/session";
import type { Version } from "./logic";
import { saveBlob } from "../../lib/download";

export interface Upload {
  done: Promise<{ version?: Version; problem?: Problem }>;
  abort: () => void;
}

/** PUT the file as the raw body of …/files/{filename}; `onProgress` gets the bytes sent so far. */
export function uploadFile(resourceId: number, number: number, file: File,
                           onProgress: (sent: number, total: number) => void, networkError: string): Upload {
  const xhr = new XMLHttpRequest();
  const path = `/api/v1/emas/resources/${resourceId}/versions/${number}/files/${encodeURIComponent(file.name)}`;
  const done = new Promise<{ version?: Version; problem?: Problem }>((resolve) => {
    xhr.open("PUT", apiUrl(path));
    const token = session.token();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve({ version: body as Version });
      if (xhr.status === 401 && session.token()) session.expire();
      resolve({ problem: asProblem(body, new Response(null, { status: xhr.status })) });
    };
    // A server that refuses a large body early may close the connection before the browser reads the answer.
    xhr.onerror = () => resolve({ problem: { type: "about:blank", title: networkError, status: 0 } });
    xhr.onabort = () => resolve({});
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Fetches a file with the session's token and hands it to the browser as a download under its own name. */
export async function downloadFile(resourceId: number, number: number, fileId: number, filename: string):
  Promise<Problem | null> {
  const r = await api.GET("/api/v1/emas/resources/{resource_id}/versions/{number}/files/{file_id}/content", {
    params: { path: { resource_id: resourceId, number, file_id: fileId } }, parseAs: "blob",
  });
  if (!r.data) return asProblem(r.error, r.response);
  saveBlob(r.data as Blob, filename);
  return null;
}
