// A client generated from mod_todo's OpenAPI document, used as a person
// would: test_187_interop.py generates ./api.d.ts from the served document
// with openapi-typescript (default flags) beside a copy of this file,
// compiles both with `tsc --strict`, and runs the JavaScript against a
// real instance:
//
//   node client_scenario.js BASE TAG
//
// BASE is the API's URL (http://127.0.0.1:PORT/api/v1), TAG makes the user
// unique. Prints one JSON line {"ok": true, ...} or {"ok": false, "error"}.
//
// Every step is typed by the document: if it changes so that this no longer
// type-checks (loc made a tuple again, a task event without its task, the
// event stream untyped, ...), the test fails at tsc.
import createClient from "openapi-fetch";
import { EventSource } from "eventsource";
import type { components, paths } from "./api.js";

// No @types/node: the little of Node's globals this uses.
declare const process: { argv: string[]; exitCode?: number };

type Task = components["schemas"]["Task"];
// What each event of GET /events carries, as the document says.
type StreamItem =
  paths["/events"]["get"]["responses"][200]["content"]["text/event-stream"][number];
type TaskMessage = Extract<StreamItem, { id: string }>;

const [base, tag] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl: base });
const password = "correct horse";
const username = `ts${tag}`;
let token = "";
client.use({
  onRequest({ request }) {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what}: no data`);
  return value;
}

// Task events from /events, the token in ?access_token= (EventSource
// cannot send headers). Task events are unnamed: onmessage gets them.
function listen(): {
  opened: Promise<void>;
  created: (title: string) => Promise<Task>;
  named: () => number;
  close: () => void;
} {
  const url = new URL(`${base}/events`);
  url.searchParams.set("access_token", token);
  const es = new EventSource(url.href);
  const seen: Task[] = [];
  const waiting: Array<() => void> = [];
  let named = 0;
  es.onmessage = (m) => {
    const data = JSON.parse(m.data) as TaskMessage["data"];
    if (data.type === "task.created") {
      seen.push(data.task); // a whole Task: created events carry one
    }
    waiting.splice(0).forEach((wake) => wake());
  };
  // What a listener written from an `event: task.created` example would
  // do: it must receive nothing.
  es.addEventListener("task.created", () => {
    named += 1;
  });
  const opened = new Promise<void>((resolve, reject) => {
    es.onopen = () => resolve();
    es.onerror = () => reject(new Error("/events: the stream failed"));
  });
  const created = (title: string) =>
    new Promise<Task>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no task.created event for ${title}`)), 10000);
      const check = () => {
        const task = seen.find((t) => t.title === title);
        if (task) {
          clearTimeout(timer);
          resolve(task);
        } else {
          waiting.push(check);
        }
      };
      check();
    });
  return { opened, created, named: () => named, close: () => es.close() };
}

async function main() {
  const me = must(
    (
      await client.POST("/auth/register", {
        body: { email: `${username}@example.com`, username, password },
      })
    ).data,
    "register",
  );

  // The OAuth2 password grant, as a form.
  const login = await client.POST("/auth/login", {
    body: { username, password, grant_type: "password" },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  token = must(login.data, "login").access_token;

  const events = listen();
  await events.opened;

  // A task with only a title: the rest takes its defaults.
  const created = await client.POST("/tasks", { body: { title: `Buy milk ${tag}` } });
  const task: Task = must(created.data, "create");
  const etag = created.response.headers.get("ETag");
  if (!etag) throw new Error("create: no ETag");

  const list = must((await client.GET("/tasks", { params: { query: { completed: "no", page_size: 5 } } })).data, "list");

  const patched = await client.PATCH("/tasks/{id}", {
    params: { path: { id: task.id }, header: { "If-Match": etag } },
    body: { status: "in_progress" },
  });
  const updated: Task = must(patched.data, "patch");
  // The same ETag again is stale now: 412.
  const stale = await client.PATCH("/tasks/{id}", {
    params: { path: { id: task.id }, header: { "If-Match": etag } },
    body: { title: "stale" },
  });

  // A 422 and where it points: ["body", "tasks", 1, "title"].
  const bulk = await client.POST("/tasks/bulk", { body: { tasks: [{ title: "ok" }, { title: "" }] } });
  const error = bulk.error;
  if (!error || !Array.isArray(error.detail)) throw new Error("bulk: no 422 detail");
  // As the schema types it (openapi-fetch's `error` widens tuples).
  const item: components["schemas"]["ValidationErrorItem"] = error.detail[0];
  const loc = item.loc;
  const index: string | number = loc[2];
  const field: string | number = loc[3];

  const event = await events.created(task.title);
  // Let a named event, were there one, arrive before counting.
  await new Promise((r) => setTimeout(r, 200));
  events.close();

  return {
    ok: true,
    user: me.id,
    task: { id: task.id, status: task.status, priority: task.priority },
    listed: list.tasks.map((t) => t.id),
    updated: updated.status,
    stale: stale.response.status,
    bulk: bulk.response.status,
    loc,
    index,
    field,
    event_title: event.title,
    event_user: event.user_id,
    named_listener_calls: events.named(),
  };
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (e: unknown) => {
    console.log(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }));
    process.exitCode = 1;
  },
);
