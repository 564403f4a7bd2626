// The socket frames and board object types from their JSON Schemas (written by
// `manage.py write_contracts` from the server's pydantic models).
import { readFileSync, writeFileSync } from "node:fs";
import { compile } from "json-schema-to-typescript";

const dir = new URL("../src/contracts/", import.meta.url);
for (const name of ["tutor-client", "tutor-server", "board-object", "board-ephemeral"]) {
  const schema = JSON.parse(readFileSync(new URL(`${name}.schema.json`, dir), "utf8"));
  const ts = await compile(schema, schema.title, { bannerComment: "// Generated from the server's models: do not edit.", additionalProperties: false });
  writeFileSync(new URL(`${name}.d.ts`, dir), ts);
}
