// Checks of mod_todo's OpenAPI document, for the integration tests.
//
//   node tests/js/openapi_check.mjs validate DOC.json
//     The document against the OpenAPI 3.1 schema
//     (@seriousme/openapi-schema-validator), plus what that schema cannot
//     see: every $ref resolves, operationIds are unique, every example
//     validates against its schema.
//
//   node tests/js/openapi_check.mjs responses DOC.json SAMPLES.json
//     Real responses against the document: SAMPLES.json is a list of
//     {method, path (the document's template), status, content_type,
//     headers, body}. Each status must be documented for its operation,
//     each JSON body must validate against the documented schema, and each
//     header the response documents must be there. A HEAD the document
//     does not declare is held to the GET operation (no body); a method
//     the path does not list must be a 405 {"detail"} with an Allow
//     header, which info.description promises and no operation lists.
//
//   node tests/js/openapi_check.mjs values DOC.json VALUES.json
//     Values against the document's schemas: VALUES.json is a list of
//     {pointer ("#/components/schemas/TaskEvent"), value}.
//
// Prints one JSON line {"valid": bool, "errors": [...]}; exits 0 if valid.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [mode, docPath, samplesPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const errors = [];
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const ptr = (parts) => "#" + parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");

// Follow local $refs: returns [object, its JSON pointer parts].
function deref(obj, parts) {
  const seen = new Set();
  while (obj && typeof obj === "object" && typeof obj.$ref === "string") {
    if (seen.has(obj.$ref)) throw new Error(`$ref loop at ${obj.$ref}`);
    seen.add(obj.$ref);
    if (!obj.$ref.startsWith("#/")) throw new Error(`non-local $ref ${obj.$ref}`);
    parts = obj.$ref.slice(2).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    obj = parts.reduce((o, k) => (o == null ? undefined : o[k]), doc);
    if (obj === undefined) throw new Error(`unresolved $ref ${[...seen].pop()}`);
  }
  return [obj, parts];
}

function makeAjv() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("password", true);
  ajv.addSchema(doc, "doc");
  return ajv;
}

function walk(node, parts, fn) {
  if (node && typeof node === "object") {
    fn(node, parts);
    for (const [k, v] of Object.entries(node)) walk(v, parts.concat(k), fn);
  }
}

async function validate() {
  const validator = new Validator();
  const res = await validator.validate(structuredClone(doc));
  if (!res.valid) errors.push(...[].concat(res.errors).map((e) => ({ schema: e })));
  if (validator.version !== "3.1") errors.push({ version: validator.version });

  walk(doc, [], (node, parts) => {
    if (typeof node.$ref === "string") {
      try {
        deref(node, parts);
      } catch (e) {
        errors.push({ at: ptr(parts), ref: e.message });
      }
    }
  });

  const ids = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const m of METHODS) {
      if (!item[m]) continue;
      const id = item[m].operationId;
      if (!id) errors.push({ at: `${m} ${path}`, operationId: "missing" });
      else if (ids.has(id)) errors.push({ at: `${m} ${path}`, operationId: `duplicate ${id}` });
      else ids.set(id, `${m} ${path}`);
    }
  }

  // Examples next to a schema (media types, parameters, schemas) must fit.
  const ajv = makeAjv();
  walk(doc, [], (node, parts) => {
    if (!node.schema || !("example" in node || "examples" in node)) return;
    const check = ajv.compile({ $ref: "doc" + ptr(parts.concat("schema")) });
    const samples = [];
    if ("example" in node) samples.push(["example", node.example]);
    if (node.examples && typeof node.examples === "object" && !Array.isArray(node.examples)) {
      for (const [name, ex] of Object.entries(node.examples)) {
        const [e] = deref(ex, parts.concat("examples", name));
        if (e && "value" in e) samples.push([`examples/${name}`, e.value]);
      }
    }
    const [schema] = deref(node.schema, parts.concat("schema"));
    for (const [name, value] of samples) {
      // A text body's example is the text itself.
      if (schema && schema.type === "string" && typeof value === "string") continue;
      if (!check(value)) errors.push({ at: ptr(parts) + "/" + name, example: check.errors });
    }
  });
}

function responses() {
  const ajv = makeAjv();
  const samples = JSON.parse(readFileSync(samplesPath, "utf8"));
  for (const s of samples) {
    const where = `${s.method} ${s.path} -> ${s.status}`;
    let method = s.method.toLowerCase();
    let op = doc.paths?.[s.path]?.[method];
    if (!op && method === "head" && doc.paths?.[s.path]?.get) {
      // HEAD is answered on every GET route, declared or not.
      method = "get";
      op = doc.paths[s.path].get;
      if (s.body !== null && s.body !== "" && s.body !== undefined) {
        errors.push({ at: where, error: "a body in a HEAD answer" });
      }
    }
    const base = ["paths", s.path, method, "responses", String(s.status)];
    if (!op && doc.paths?.[s.path]) {
      // A method the path does not list.
      const allow = Object.entries(s.headers || {}).find(([k]) => k.toLowerCase() === "allow");
      const check = ajv.compile({ $ref: "doc#/components/schemas/HTTPError" });
      if (s.status !== 405) errors.push({ at: where, error: "an unlisted method is not 405" });
      else if (!allow) errors.push({ at: where, error: "header Allow missing" });
      else if (!check(s.body)) errors.push({ at: where, body: s.body, errors: check.errors });
      continue;
    }
    if (!op) {
      errors.push({ at: where, error: "operation not documented" });
      continue;
    }
    if (!op.responses[String(s.status)]) {
      errors.push({ at: where, error: "status not documented", documented: Object.keys(op.responses) });
      continue;
    }
    const [resp, rparts] = deref(op.responses[String(s.status)], base);
    for (const [name, h] of Object.entries(resp.headers || {})) {
      const [header] = deref(h, rparts.concat("headers", name));
      const have = Object.keys(s.headers || {}).some((k) => k.toLowerCase() === name.toLowerCase());
      // Cache-Control is advice; every other documented header is sent.
      if (!have && name !== "Cache-Control" && (header.required || s.status < 300 || s.status === 304)) {
        errors.push({ at: where, error: `header ${name} missing` });
      }
    }
    const media = (s.content_type || "").split(";")[0].trim();
    if (!resp.content) {
      if (s.body !== null && s.body !== "" && s.body !== undefined) {
        errors.push({ at: where, error: "a body where none is documented" });
      }
      continue;
    }
    if (!resp.content[media]) {
      errors.push({ at: where, error: `media type ${media} not documented`, documented: Object.keys(resp.content) });
      continue;
    }
    if (media === "application/json" && s.method.toLowerCase() !== "head") {
      const check = ajv.compile({ $ref: "doc" + ptr(rparts.concat("content", media, "schema")) });
      if (!check(s.body)) errors.push({ at: where, body: s.body, errors: check.errors });
    }
  }
}

function values() {
  const ajv = makeAjv();
  for (const { pointer, value } of JSON.parse(readFileSync(samplesPath, "utf8"))) {
    const check = ajv.compile({ $ref: "doc" + pointer });
    if (!check(value)) errors.push({ at: pointer, value, errors: check.errors });
  }
}

try {
  if (mode === "validate") await validate();
  else if (mode === "values") values();
  else if (mode === "responses") responses();
  else throw new Error("usage: openapi_check.mjs validate DOC | responses DOC SAMPLES | values DOC VALUES");
} catch (e) {
  errors.push({ error: e.message });
}
console.log(JSON.stringify({ valid: errors.length === 0, errors }));
process.exit(errors.length === 0 ? 0 : 1);
