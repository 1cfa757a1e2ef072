// Fails the build when the JavaScript the first page needs (the entry, what it imports, and the registry
// screen shown at "/") is over the budget, gzipped. Prints every chunk counted.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 150 * 1024;
const FIRST_PAGE = "src/pages/registry/RegistryPage.tsx";
const dist = new URL("../dist/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL(".vite/manifest.json", dist), "utf8"));

const counted = new Map();
function walk(key) {
  const chunk = manifest[key];
  if (!chunk || counted.has(chunk.file)) return;
  counted.set(chunk.file, gzipSync(readFileSync(new URL(chunk.file, dist))).length);
  for (const dep of chunk.imports ?? []) walk(dep);
}
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
walk(entry);
walk(FIRST_PAGE);

let total = 0;
for (const [file, size] of counted) {
  total += size;
  console.log(`  ${file.padEnd(44)} ${(size / 1024).toFixed(1).padStart(7)} KB gzip`);
}
const verdict = total <= BUDGET ? "within" : "OVER";
console.log(`first page JavaScript: ${(total / 1024).toFixed(1)} KB gzip, ${verdict} the ${BUDGET / 1024} KB budget`);
if (total > BUDGET) process.exit(1);
