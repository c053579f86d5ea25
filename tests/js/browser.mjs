// What the browser checks share: headless Chromium (Debian's package,
// driven by playwright-core) and named steps.
//
//   import { launch, step } from "./browser.mjs";
//
// Chromium: CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // root has no user namespace sandbox here; the pages are our own.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    timeout: 20000,
  });
}

// Run fn; a failure is reported as "name: first line of the error".
export async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    const err = new Error(`${name}: ${e.message.split("\n")[0]}`);
    err.step = name;
    throw err;
  }
}
