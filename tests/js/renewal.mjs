// Browser realtime across token renewals: a page logs in and follows its
// task events with docs/realtime.md's followEvents() (the page loads it as
// follow-events.js), while tests/integration/test_186_browser.py writes
// tasks; the access token lives 10 s there, so the stream ends and is
// renewed several times.
//
//   node tests/js/renewal.mjs '{"api": "http://127.0.0.1:P/api/v1",
//       "page": PAGE_URL, "username": .., "password": .., "last": TITLE,
//       "timeout": MS, "staleToken": false}'
//
// staleToken: start from an access token that gets a 401 (a changed
// signature), as one a page kept from an earlier visit would.
//
// Prints {"ready": true} once the first stream is open, then, when the
// event of the task titled `last` has arrived (within `timeout` ms of
// ready), one JSON line: {"ok": true, "events": [{id, type, task}],
// "renewals": n, "streams": [{lastEventId}], "errors": [readyState],
// "opens": n, "resets": n, "ended": null}. Exits 0, or 1 with
// {"ok": false, "error": ...}.
import { launch, step } from "./browser.mjs";

const cfg = JSON.parse(process.argv[2] || "null");
if (!cfg) {
  console.error("usage: renewal.mjs JSON");
  process.exit(2);
}

const browser = await launch();
const consoleLines = [];
let status = 1;
const state = () => page.evaluate(() => window.seen);
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(20000);
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await step("open the page", async () => {
    const res = await page.goto(cfg.page, { waitUntil: "load" });
    if (res.status() !== 200) throw new Error(`HTTP ${res.status()}`);
    if (!(await page.evaluate(() => typeof followEvents === "function"))) {
      throw new Error("follow-events.js defined no followEvents()");
    }
  });
  await step("log in and follow the events", () =>
    page.evaluate(async ({ api, username, password, staleToken }) => {
      const seen = { events: [], renewals: 0, opens: 0, resets: 0,
                     errors: [], streams: [], ended: null };
      window.seen = seen;
      // Watch every EventSource the sample makes (not the sample itself):
      // the id it resumes from, and readyState at each error, taken before
      // the sample's own handler closes it.
      const Native = window.EventSource;
      window.EventSource = class extends Native {
        constructor(url, init) {
          super(url, init);
          seen.streams.push({
            lastEventId: new URL(url).searchParams.get("last_event_id"),
            lastSeen: seen.events.length
              ? seen.events[seen.events.length - 1].id : null,
          });
          this.addEventListener("error", () => seen.errors.push(this.readyState));
        }
      };
      // A slow network: each renewal takes a second more, so tasks are
      // written while no stream is open, and only last_event_id brings
      // them.
      const nativeFetch = window.fetch;
      window.fetch = async (url, init) => {
        if (String(url).endsWith("/auth/refresh")) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        return nativeFetch(url, init);
      };
      const r = await fetch(`${api}/auth/login`, {
        method: "POST",
        body: new URLSearchParams({ username, password }),
      });
      if (r.status !== 200) throw new Error(`login: HTTP ${r.status}`);
      const tokens = await r.json();
      if (staleToken) {
        // Like one kept from an earlier visit, it gets a 401: here, its
        // signature's first character changed.
        const t = tokens.access_token;
        const i = t.lastIndexOf(".") + 1;
        tokens.access_token = t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1);
      }
      window.follower = followEvents(api, tokens, {
        event: (e, id) => seen.events.push({ id, type: e.type, task: e.task }),
        tokens: () => { seen.renewals += 1; },
        open: () => { seen.opens += 1; },
        reset: () => { seen.resets += 1; },
        ended: (res) => { seen.ended = res.status; },
      });
    }, cfg));
  await step("see the first stream open", () =>
    page.waitForFunction(() => window.seen.opens >= 1, null, { polling: 50 }));
  console.log(JSON.stringify({ ready: true }));
  await step(`receive the task "${cfg.last}"`, () =>
    page.waitForFunction(
      (last) => window.seen.ended !== null ||
        window.seen.events.some((e) => e.task.title === last),
      cfg.last, { polling: 100, timeout: cfg.timeout }));
  const seen = await state();
  console.log(JSON.stringify({ ok: seen.ended === null, ...seen }));
  status = seen.ended === null ? 0 : 1;
} catch (e) {
  const seen = page ? await state().catch(() => null) : null;
  console.log(JSON.stringify({ ok: false, error: e.message, seen, console: consoleLines }));
} finally {
  await browser.close();
}
process.exit(status);
