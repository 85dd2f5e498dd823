// Drives Debian's headless Chromium (/usr/bin/chromium, through playwright-core; no browser is
// downloaded) against a running probelet's dashboard and checks what a user would see.
//
//   node dashboard_check.mjs --url http://127.0.0.1:PORT/ --screenshot OUT.png
//       [--pods a,b]           rows that must show in the pod table
//       [--flip POD/CONTAINER --flip-file PATH]
//                              creating PATH makes that container's readiness probe fail (and
//                              removing it, succeed): the flip must show in its timeline, as a
//                              failure cell that changed the cached result, within 2 s
//       [--event-reason R]     an event with that reason must show in the event list
//       [--service NAME]       a Service that must show with its endpoints
//       [--expect-pods N]      only measure: time until the table counts N pods
//       [--settle-ms MS]       wait before the screenshot (default 300)
//       [--select POD]         select that pod before the screenshot (its timelines show)
//
// Prints one JSON object (the checks and the figures) on stdout; exits 0 when every check
// passed, 1 when one failed, 2 when the browser could not be started.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const FLIP_LIMIT_MS = 2000;

const report = { checks: {}, figures: {}, consoleErrors: [], failures: [] };
function check(name, ok, detail = "") {
  report.checks[name] = ok;
  if (!ok) report.failures.push(`${name}${detail ? ": " + detail : ""}`);
  return ok;
}
function finish(code) {
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(code);
}

if (!existsSync(CHROMIUM)) {
  report.failures.push(`no ${CHROMIUM}: install Debian's chromium (make deps)`);
  finish(2);
}
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a sandboxed machine with no outside network: no sandbox, no background calls.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
} catch (error) {
  report.failures.push(`could not start ${CHROMIUM}: ${error.message}`);
  finish(2);
}

const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on("console", (m) => {
  if (m.type() === "error") report.consoleErrors.push(m.text());
});
page.on("pageerror", (e) => report.consoleErrors.push(`uncaught: ${e.message}`));

async function waitFor(what, fn, timeout) {
  try {
    await fn(timeout);
    return true;
  } catch (error) {
    check(what, false, error.message.split("\n")[0]);
    return false;
  }
}

try {
  const started = Date.now();
  await page.goto(args.url, { waitUntil: "domcontentloaded" });
  if (args["expect-pods"]) {
    const n = Number(args["expect-pods"]);
    const ok = await waitFor("pods counted", (timeout) => page.waitForFunction((want) => {
      const s = document.getElementById("pod-summary");
      return s && s.textContent.startsWith(`${want} pods`);
    }, n, { timeout }), 60000);
    report.figures.loadMs = Date.now() - started;
    if (ok) {
      check("pods counted", true);
      const t = Date.now();
      await page.fill("#pod-filter", "7");
      await page.waitForFunction(() => document.getElementById("pod-summary").textContent.includes("match"));
      report.figures.filterMs = Date.now() - t;
      await page.fill("#pod-filter", "");
    }
  }
  for (const name of (args.pods || "").split(",").filter(Boolean)) {
    const ok = await waitFor(`pod row ${name}`, (timeout) =>
      page.waitForSelector(`tr[data-pod="default/${name}"]`, { timeout }), 15000);
    if (ok) check(`pod row ${name}`, true);
  }
  report.figures.podsShownMs = Date.now() - started;

  if (args.flip) {
    const [pod, container] = args.flip.split("/");
    const strip = `.strip[data-container="${container}"][data-type="readiness"]`;
    await page.click(`tr[data-pod="default/${pod}"]`);
    // Ready first, with attempts in the timeline.
    const ready = await waitFor("ready before the flip", async (timeout) => {
      await page.waitForSelector(`tr[data-pod="default/${pod}"][data-ready="true"]`, { timeout });
      await page.waitForSelector(`${strip} .cell.r-success`, { timeout });
    }, 20000);
    if (ready) {
      const failuresBefore = await page.locator(`${strip} .cell.r-failure.changed`).count();
      const flippedAt = Date.now();
      writeFileSync(args["flip-file"], "unready");
      const shown = await waitFor("flip in the timeline", (timeout) => page.waitForFunction(
        ([sel, before]) => document.querySelectorAll(sel).length > before,
        [`${strip} .cell.r-failure.changed`, failuresBefore], { timeout, polling: 20 }), 10000);
      if (shown) {
        const seenAt = Date.now();
        const start = await page.locator(`${strip} .cell.r-failure.changed`).last().getAttribute("data-start");
        report.figures.flipToTimelineMs = seenAt - flippedAt;
        report.figures.attemptToTimelineMs = seenAt - Date.parse(start);
        check("flip in the timeline", true);
        // The probe attempt that saw the flip starts up to a period (1 s) after the file changed;
        // from that attempt to the page, the limit is 2 s.
        check("flip shown within 2 s of its attempt", report.figures.attemptToTimelineMs <= FLIP_LIMIT_MS,
          `${report.figures.attemptToTimelineMs} ms`);
      }
      const unready = await waitFor("pod row turns unready", (timeout) =>
        page.waitForSelector(`tr[data-pod="default/${pod}"][data-ready="false"]`, { timeout }), 5000);
      if (unready) {
        report.figures.flipToTableMs = Date.now() - flippedAt;
        check("pod row turns unready", true);
      }
      // Hover shows the attempt's threshold state.
      await page.locator(`${strip} .cell.r-failure.changed`).last().hover();
      const tip = await page.locator("#attempt-tooltip").innerText();
      check("hover shows the threshold state", /threshold: failure \d+ of \d+/.test(tip), tip);
      await page.locator(`${strip} .cell.r-failure.changed`).last().click();
      check("click pins the attempt", (await page.locator("#attempt-detail").innerText()).includes("threshold"));
      rmSync(args["flip-file"], { force: true });
      const back = await waitFor("flip back in the timeline", (timeout) =>
        page.waitForSelector(`${strip} .cell.r-failure ~ .cell.r-success.changed`, { timeout }), 10000);
      if (back) check("flip back in the timeline", true);
    }
  }
  if (args["event-reason"]) {
    const ok = await waitFor(`event ${args["event-reason"]}`, (timeout) =>
      page.waitForSelector(`#event-rows tr[data-reason="${args["event-reason"]}"]`, { timeout }), 10000);
    if (ok) check(`event ${args["event-reason"]}`, true);
  }
  if (args.service) {
    const ok = await waitFor(`service ${args.service}`, (timeout) =>
      page.waitForSelector(`.service[data-service="${args.service}"] ul.endpoints li`, { timeout }), 10000);
    if (ok) check(`service ${args.service}`, true);
  }
  if (args.select) {
    await page.click(`tr[data-pod="default/${args.select}"]`);
    await page.waitForSelector(".strip .cell:not(.empty)", { timeout: 10000 }).catch(() => {});
  }
  // Let the timelines and the Services catch up once more, then picture the page as it stands.
  await page.waitForTimeout(Number(args["settle-ms"] || 300));
  await page.mouse.move(0, 0);
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
} catch (error) {
  check("run", false, error.message);
}
check("no console errors", report.consoleErrors.length === 0, report.consoleErrors.join(" | "));
await browser.close();
finish(report.failures.length ? 1 : 0);
