// Drive the Swagger UI served at /docs/ in headless Chromium, as a person
// would: authorize with the OAuth2 password flow, then "Try it out" on
// POST /tasks and execute it; the page must show the 201.
//
//   node tests/js/swagger_ui.mjs BASE_URL USERNAME PASSWORD SCREENSHOT [TITLE]
//
// BASE_URL is the server (http://127.0.0.1:PORT); the page is BASE_URL/docs/,
// or SWAGGER_UI_PAGE (a page on another origin: requests may go to
// BASE_URL and to that origin, nowhere else).
// Prints one JSON line ({"ok":true,"status":201,"task":{...}}) and exits 0,
// or prints the failure and exits 1; a screenshot is saved either way.
// Chromium: CHROMIUM (default /usr/bin/chromium), Debian's package.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { launch, step } from "./browser.mjs";

const [base, username, password, shot, title0] = process.argv.slice(2);
if (!shot) {
  console.error("usage: swagger_ui.mjs BASE_URL USERNAME PASSWORD SCREENSHOT [TITLE]");
  process.exit(2);
}
const title = title0 || `Swagger UI task ${Date.now()}`;
const TIMEOUT = Number(process.env.SWAGGER_UI_TIMEOUT || 15000);
// How long to wait for Logout after Authorize; a test that expects a refusal
// shortens this wait only, so a loaded machine still opens the page.
const LOGIN_TIMEOUT = Number(process.env.SWAGGER_UI_LOGIN_TIMEOUT || TIMEOUT);
const pageUrl = process.env.SWAGGER_UI_PAGE || `${base}/docs/`;
const origins = [base, new URL(pageUrl).origin];

mkdirSync(dirname(shot), { recursive: true });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
page.setDefaultTimeout(TIMEOUT);
const external = [];
page.on("request", (req) => {
  if (!origins.some((o) => req.url().startsWith(o)) && !req.url().startsWith("data:")) {
    external.push(req.url());
  }
});
const tokenRequests = [];
page.on("request", (req) => {
  if (req.method() === "POST" && req.url().includes("/auth/")) {
    tokenRequests.push(req.url());
  }
});

let status = 1;
try {
  await step(`open ${pageUrl}`, async () => {
    const res = await page.goto(pageUrl, { waitUntil: "load" });
    if (res.status() !== 200) throw new Error(`HTTP ${res.status()}`);
    await page.locator(".information-container .title").filter({ hasText: "mod_todo" }).waitFor();
  });

  await step("authorize (OAuth2 password flow)", async () => {
    await page.locator(".auth-wrapper button.authorize").click();
    const oauth = page.locator(".auth-container").filter({ has: page.locator("#oauth_username") });
    await oauth.locator("#oauth_username").fill(username);
    await oauth.locator("#oauth_password").fill(password);
    await oauth.locator("button.authorize").click();
  });
  await step("see the login succeed", async () => {
    // Success replaces the Authorize button by Logout.
    await page.locator(".auth-container button", { hasText: "Logout" })
      .waitFor({ timeout: LOGIN_TIMEOUT });
  });
  await step("close the dialog", async () => {
    await page.locator(".dialog-ux button.close-modal").click();
    await page.locator(".dialog-ux").waitFor({ state: "detached" });
    await page.locator(".auth-wrapper button.authorize.locked").waitFor();
  });

  const op = page.locator("#operations-tasks-createTask");
  await step("try POST /tasks", async () => {
    await op.locator(".opblock-summary").first().click();
    await op.locator("button.try-out__btn").click();
    const body = op.locator("textarea.body-param__text");
    await body.fill(JSON.stringify({ title, priority: "high" }, null, 2));
    await op.locator("button.execute").click();
  });

  const result = await step("see the 201", async () => {
    const live = op.locator(".live-responses-table .response").first();
    await live.waitFor();
    const code = (await live.locator(".response-col_status").innerText()).trim();
    const text = await live.locator(".response-col_description pre.microlight, .response-col_description pre").first().innerText();
    await live.scrollIntoViewIfNeeded();
    return { code, text };
  });
  if (!result.code.startsWith("201")) {
    throw new Error(`POST /tasks answered ${result.code}: ${result.text.slice(0, 300)}`);
  }
  const task = JSON.parse(result.text);
  if (task.title !== title) throw new Error(`the response shows title ${task.title}`);
  await page.screenshot({ path: shot });

  // persistAuthorization (the shipped page's; a stock page has it off):
  // a reload keeps the token.
  if (!process.env.SWAGGER_UI_PAGE) {
    await step("authorization persists across a reload", async () => {
      await page.reload({ waitUntil: "load" });
      await page.locator(".information-container .title").waitFor();
      await page.locator(".auth-wrapper button.authorize.locked").waitFor();
    });
  }
  if (external.length) {
    throw new Error(`requests left the server: ${external.join(", ")}`);
  }
  console.log(JSON.stringify({ ok: true, status: 201, task, tokenRequests }));
  status = 0;
} catch (e) {
  await page.screenshot({ path: shot }).catch(() => {});
  console.log(JSON.stringify({ ok: false, error: e.message, tokenRequests, external }));
} finally {
  await browser.close();
}
process.exit(status);
