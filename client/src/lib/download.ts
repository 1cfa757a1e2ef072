/**
 * Hands a file fetched by the client to the browser as a download: the API serves uploaded files,
 * certificates and exports only with the bearer token, which a plain link cannot carry.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: some browsers start reading the object URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
