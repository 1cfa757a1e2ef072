// Fails when src/api/schema.d.ts is not what openapi-typescript makes of the committed openapi/openapi.json:
// the client's types must never drift from the API's contract. `npm run generate` brings them up to date.
import { readFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";

const spec = new URL("../../openapi/openapi.json", import.meta.url);
const committed = readFileSync(new URL("../src/api/schema.d.ts", import.meta.url), "utf8");
const fresh = astToString(await openapiTS(spec));
// The CLI adds a banner and may differ in the trailing newline; compare the declarations themselves.
const body = (text) => text.slice(text.indexOf("export ")).trimEnd();
if (body(committed) !== body(fresh)) {
  console.error("src/api/schema.d.ts is stale: run `npm run generate` in client/ after `cartesio openapi export`.");
  process.exit(1);
}
console.log("API types match openapi/openapi.json");
