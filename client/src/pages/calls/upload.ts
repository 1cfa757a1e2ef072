// Uploading a document with its progress. fetch() does not report upload progress, so this one request goes
// through XMLHttpRequest; it sends the same bearer token, and forgets it on 401 as the API client does.
import { apiUrl, type Schemas } from "../../api/client";
import { type Problem, asProblem } from "../../lib/problem";
import { session } from "../../lib/session";

export type Attachment = Schemas["AttachmentRead"];

export interface Upload {
  promise: Promise<{ data: Attachment[] } | { problem: Problem }>;
  abort: () => void;
}

export function uploadAttachment(applicationId: number, file: File, document: string | null,
                                 onProgress: (sent: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const url = apiUrl(`/api/v1/applications/${applicationId}/attachments/${encodeURIComponent(file.name)}`,
                     { document });
  const promise = new Promise<{ data: Attachment[] } | { problem: Problem }>((resolve) => {
    xhr.open("PUT", url);
    const token = session.token();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    // The API reads the type from the content, whatever is declared.
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = xhr.responseText || null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ data: body as Attachment[] });
        return;
      }
      if (xhr.status === 401 && session.token()) session.expire();
      resolve({ problem: asProblem(body, new Response(null, { status: xhr.status })) });
    };
    xhr.onerror = () => resolve({ problem: asProblem("network") });
    xhr.onabort = () => resolve({ problem: asProblem("aborted") });
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}
