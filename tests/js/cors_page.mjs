// CORS from a browser: a page on an origin the admin allowed (the Define
// TODO_CORS_ORIGINS) uses the API, WebSocket included; a page on an origin
// not allowed gets nothing. tests/integration/test_186_browser.py runs it
// and checks what it prints (with the access log).
//
//   node tests/js/cors_page.mjs '{"api": "http://127.0.0.1:P/api/v1",
//       "allowed": PAGE_URL, "foreign": PAGE_URL, "username": ..,
//       "password": .., "token": .., "nonce": ..}'
//
// The foreign page goes first and keeps its EventSource and WebSocket
// (whatever became of them) while the allowed page writes a task, then
// says what they received. Prints one JSON line {"ok": true, "allowed":
// {...}, "foreign": {...}} and exits 0, or {"ok": false, "error": ...} and 1.
import { launch, step } from "./browser.mjs";

const cfg = JSON.parse(process.argv[2] || "null");
if (!cfg) {
  console.error("usage: cors_page.mjs JSON");
  process.exit(2);
}
const TIMEOUT = 15000;
const ws = cfg.api.replace(/^http/, "ws");

// In the page on the allowed origin.
async function allowedPage({ api, ws, username, password, nonce, timeout }) {
  const until = (what, cond) =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const poll = () => {
        if (cond()) resolve();
        else if (Date.now() - t0 > timeout) reject(new Error(`no ${what}`));
        else setTimeout(poll, 20);
      };
      poll();
    });
  const out = {};
  // A form POST is a "simple" request: no preflight.
  let r = await fetch(`${api}/auth/login`, {
    method: "POST",
    body: new URLSearchParams({ username, password }),
  });
  const tokens = await r.json();
  out.login = r.status;
  const auth = { Authorization: `Bearer ${tokens.access_token}` };

  const sse = [];
  const es = new EventSource(
    `${api}/events?access_token=${encodeURIComponent(tokens.access_token)}`);
  es.onmessage = (e) => sse.push({ id: e.lastEventId, event: JSON.parse(e.data) });
  await new Promise((resolve, reject) => {
    es.onopen = resolve;
    es.onerror = () => reject(new Error(`EventSource failed (readyState ${es.readyState})`));
  });
  const frames = [];
  const sock = new WebSocket(`${ws}/ws`, ["bearer", tokens.access_token]);
  sock.onmessage = (e) => frames.push(JSON.parse(e.data));
  await new Promise((resolve, reject) => {
    sock.onopen = resolve;
    sock.onerror = () => reject(new Error("WebSocket failed"));
  });
  out.wsProtocol = sock.protocol;

  // JSON with Authorization: preflighted (the nonce finds it in the log).
  r = await fetch(`${api}/tasks?probe=${nonce}`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ title: `cors ${nonce}` }),
  });
  const task = await r.json();
  out.post = { status: r.status, etag: r.headers.get("ETag"),
               location: r.headers.get("Location"), task };
  await until("task.created on the EventSource and the WebSocket", () =>
    sse.some((e) => e.event.task.id === task.id) &&
    frames.some((f) => f.task.id === task.id));
  out.sse = sse.slice();
  out.ws = frames.slice();

  r = await fetch(`${api}/auth/me`, { headers: { Authorization: "Bearer not.a.token" } });
  out.unauthorized = { status: r.status, body: await r.json(),
                       wwwAuthenticate: r.headers.get("WWW-Authenticate") };

  const patch = (etag, body) => fetch(`${api}/tasks/${task.id}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", "If-Match": etag },
    body: JSON.stringify(body),
  });
  r = await patch(out.post.etag, { status: "completed" });
  out.update = { status: r.status, etag: r.headers.get("ETag") };
  r = await patch(out.post.etag, { title: "stale" });
  out.stale = { status: r.status, body: await r.json(), etag: r.headers.get("ETag") };
  r = await fetch(`${api}/tasks/${task.id}`, { headers: auth });
  out.current = { status: r.status, etag: r.headers.get("ETag") };
  es.close();
  sock.close();
  return out;
}

// In the page on the origin that is not allowed.
async function foreignPage({ api, ws, token, nonce, timeout }) {
  const out = {};
  const failure = async (p) => {
    try {
      const r = await p;
      return { read: true, status: r.status, type: r.type };
    } catch (e) {
      return { read: false, error: `${e.name}: ${e.message}` };
    }
  };
  out.get = await failure(fetch(`${api}/healthz`));
  out.post = await failure(fetch(`${api}/tasks?probe=foreign-${nonce}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ title: "from a foreign page" }),
  }));
  // no-cors: an opaque answer, nothing of it readable.
  try {
    const r = await fetch(`${api}/healthz`, { mode: "no-cors" });
    out.opaque = { type: r.type, status: r.status, body: await r.text() };
  } catch (e) {
    out.opaque = { error: `${e.name}: ${e.message}` };
  }

  window.foreign = { sse: [], ws: [] };
  const es = new EventSource(`${api}/events?access_token=${encodeURIComponent(token)}`);
  window.foreign.es = es;
  es.onmessage = (e) => window.foreign.sse.push(e.data);
  out.es = await new Promise((resolve) => {
    const t = setTimeout(() => resolve({ timeout: true, readyState: es.readyState }), timeout);
    es.onopen = () => { clearTimeout(t); resolve({ opened: true }); };
    es.onerror = () => { clearTimeout(t); resolve({ error: true, readyState: es.readyState }); };
  });
  const sock = new WebSocket(`${ws}/ws?probe=foreign-${nonce}`, ["bearer", token]);
  window.foreign.sock = sock;
  sock.onmessage = (e) => window.foreign.ws.push(e.data);
  out.ws = await new Promise((resolve) => {
    let error = false;
    const t = setTimeout(() => resolve({ timeout: true, readyState: sock.readyState }), timeout);
    sock.onopen = () => { clearTimeout(t); resolve({ opened: true }); };
    sock.onerror = () => { error = true; };
    sock.onclose = (e) => { clearTimeout(t); resolve({ error, code: e.code }); };
  });
  return out;
}

const browser = await launch();
const consoleLines = [];
let status = 1;
try {
  const pages = {};
  for (const which of ["foreign", "allowed"]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on("console", (m) => consoleLines.push(`${which}: ${m.type()}: ${m.text()}`));
    await step(`open the ${which} page`, async () => {
      const res = await page.goto(cfg[which], { waitUntil: "load" });
      if (res.status() !== 200) throw new Error(`HTTP ${res.status()}`);
    });
    pages[which] = page;
  }
  const args = { api: cfg.api, ws, nonce: cfg.nonce, timeout: TIMEOUT };
  const foreign = await step("the foreign page", () =>
    pages.foreign.evaluate(foreignPage, { ...args, token: cfg.token }));
  const allowed = await step("the allowed page", () =>
    pages.allowed.evaluate(allowedPage, {
      ...args, username: cfg.username, password: cfg.password }));
  // The allowed page's task was published by now: did the foreign page's
  // streams get any of it?
  foreign.after = await pages.foreign.evaluate(() => ({
    sse: window.foreign.sse, ws: window.foreign.ws,
    esReadyState: window.foreign.es.readyState,
    wsReadyState: window.foreign.sock.readyState,
  }));
  console.log(JSON.stringify({ ok: true, allowed, foreign, console: consoleLines }));
  status = 0;
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: e.message, console: consoleLines }));
} finally {
  await browser.close();
}
process.exit(status);
