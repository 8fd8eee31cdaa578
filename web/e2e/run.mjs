// End-to-end tests of the web app: `finstream run` (synthetic market, in-process log,
// embedded store) serves the built app from web/dist, and Debian's Chromium, driven by
// playwright-core, uses it as a person would. Each view's test saves a screenshot to
// e2e/screenshots/. The server is stopped at the end whatever happens.
//
//   npm run build && npm run test:e2e
//
// FINSTREAM_BIN: the binary (default $CARGO_TARGET_DIR/debug/finstream, with
// CARGO_TARGET_DIR defaulting to ~/.cache/finstream/target). CHROMIUM: the browser
// (default /usr/bin/chromium).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(WEB, "dist");
const SCREENSHOTS = join(WEB, "e2e", "screenshots");
const BIN =
  process.env.FINSTREAM_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache", "finstream", "target"), "debug", "finstream");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** How long to wait for something the market makes happen (a bar, a trade, a Greek). */
const MARKET_WAIT_MS = 60_000;
/** How long a document may take to be extracted and embedded (seconds each on 2 cores). */
const EMBED_WAIT_MS = 120_000;
/** The upload limit of the shared server, small so that a test can go over it. */
const UPLOAD_LIMIT_MIB = 1;
/** A research note from the retrieval corpus: 4 pages about Northwind Semiconductors. */
const NOTE_PDF = resolve(WEB, "..", "analytics", "tests", "golden", "retrieval", "docs", "nwsc-q3-2024.pdf");

/** The shared server's address, `http://127.0.0.1:PORT`. */
let base = "";

let main = null;
let browser = null;
const servers = new Set();

// ---- the server -------------------------------------------------------------------

function killAllNow() {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
}
process.on("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAllNow();
    process.exit(130);
  });
}

function checkPrerequisites() {
  for (const [what, path, fix] of [
    ["the built app", join(DIST, "index.html"), "run `npm run build` in web/"],
    ["the finstream binary", BIN, "build it (cargo build) or set FINSTREAM_BIN"],
    ["Chromium", CHROMIUM, "run web/setup.sh (apt-get install chromium) or set CHROMIUM"],
    ["the corpus PDF", NOTE_PDF, "the repository's analytics/tests/golden/retrieval/docs/"],
  ]) {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: ${fix}`);
  }
}

/**
 * Starts `finstream run` on a free loopback port with a fresh data directory and waits
 * for /ready. `prepare(dataDir)` runs before it (to create keys, say).
 */
async function startServer({ env = {}, prepare } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "finstream-web-e2e-"));
  const dataDir = join(dir, "data");
  const logPath = join(dir, "finstream.log");
  const setup = prepare ? await prepare(dataDir) : undefined;
  const log = createWriteStream(logPath);
  const child = spawn(BIN, ["run", "--http", "127.0.0.1:0", "--data-dir", dataDir], {
    cwd: dir,
    env: { ...process.env, FINSTREAM__GATEWAY__WEB_DIR: DIST, FINSTREAM__LOG__FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const handle = { child, dir, logPath, base: "", setup };
  servers.add(handle);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  try {
    // Port 0: the gateway picks a free port and logs it, so two runs never collide.
    const address = await new Promise((resolveAddr, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`finstream did not log its address within 60 s:\n${tail(logPath)}`)), 60_000);
      const onData = (chunk) => {
        seen += chunk.toString();
        const m = /gateway listening.*?(?:"addr":"([^"]+)"|addr=(\S+))/.exec(seen);
        if (m) {
          clearTimeout(timer);
          child.stdout.off("data", onData);
          child.stderr.off("data", onData);
          resolveAddr(m[1] ?? m[2]);
        }
      };
      // The log goes to stderr; stdout is watched too in case that changes.
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`finstream exited (${code ?? signal}) before listening:\n${tail(logPath)}`));
      });
    });
    handle.base = `http://${address}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`${handle.base}/ready`);
        if (r.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${handle.base}/ready did not answer 200 within 60 s:\n${tail(logPath)}`);
      await sleep(250);
    }
  } catch (e) {
    await stopServer(handle);
    throw e;
  }
  return handle;
}

async function stopServer(handle) {
  if (!handle || !servers.has(handle)) return;
  const { child } = handle;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  servers.delete(handle);
  if (process.env.KEEP_E2E_DATA) console.log(`# kept ${handle.dir}`);
  else rmSync(handle.dir, { recursive: true, force: true });
}

/** Runs the binary to completion and returns its standard output. */
function runBinary(args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.once("exit", (code) => (code === 0 ? resolveRun(out) : reject(new Error(`finstream ${args.join(" ")} exited ${code}: ${err}`))));
  });
}

function tail(path, lines = 30) {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the browser ------------------------------------------------------------------

async function newPage(viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.errors = errors;
  return page;
}

async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Fails with what the page said when `predicate` does not hold in time. */
async function waitFor(page, what, predicate, arg, timeout = MARKET_WAIT_MS) {
  try {
    return await page.waitForFunction(predicate, arg, { timeout, polling: 250 });
  } catch (e) {
    const errors = page.errors.length ? `\npage errors:\n${page.errors.join("\n")}` : "";
    throw new Error(`${what}: not within ${timeout / 1000} s (${e.message.split("\n")[0]})${errors}`);
  }
}

/** No script errors, and no failed requests but the `expected` ones (Chromium logs each). */
function assertNoPageErrors(page, expected = []) {
  const unexpected = page.errors.filter((e) => !expected.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], `the page reported errors:\n${page.errors.join("\n")}`);
}

before(async () => {
  checkPrerequisites();
  main = await startServer({ env: { FINSTREAM__ANSWERS__MAX_UPLOAD_MIB: String(UPLOAD_LIMIT_MIB) } });
  base = main.base;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  for (const s of [...servers]) await stopServer(s);
});

// ---- the tests --------------------------------------------------------------------

test("the gateway serves the app at / and its bundle under /assets/", async () => {
  const html = await (await fetch(`${base}/`)).text();
  const m = /src="(\/assets\/[^"]+\.js)"/.exec(html);
  assert.ok(m, `/ is not the built app:\n${html.slice(0, 300)}`);
  const js = await fetch(`${base}${m[1]}`);
  assert.equal(js.status, 200, `${m[1]} answered ${js.status}`);
});

test("watchlist: live prices change on screen, with change, volume and a sparkline", async () => {
  const page = await newPage();
  await page.goto(`${base}/#/watchlist`);
  const row = 'tr[data-symbol="AAPL"]';
  await waitFor(page, "AAPL's last price shown", (sel) => /\d/.test(document.querySelector(`${sel} .last`)?.textContent ?? ""), row);
  const first = await page.textContent(`${row} .last`);
  await waitFor(
    page,
    `AAPL's last price to move from ${first}`,
    ([sel, before]) => {
      const now = document.querySelector(`${sel} .last`)?.textContent ?? "";
      return /\d/.test(now) && now !== before;
    },
    [row, first],
  );
  const cells = await page.$$eval("table.watchlist tbody tr[data-symbol]", (rows) =>
    rows.map((r) => ({
      symbol: r.dataset.symbol,
      last: r.querySelector(".last")?.textContent ?? "",
      volume: r.querySelector(".vol")?.textContent ?? "",
      spark: Number(r.querySelector(".sparkline")?.getAttribute("data-points") ?? 0),
    })),
  );
  assert.equal(cells.length, 10, `the default watchlist is the synthetic market's 10 symbols: ${JSON.stringify(cells)}`);
  for (const c of cells) {
    assert.match(c.last, /^\d[\d,]*\.\d{2}$/, `${c.symbol} last price: ${c.last}`);
  }
  await waitFor(page, "every symbol's volume and sparkline", () =>
    [...document.querySelectorAll("table.watchlist tbody tr[data-symbol]")].every(
      (r) => /^[1-9]/.test(r.querySelector(".vol")?.textContent ?? "") && Number(r.querySelector(".sparkline")?.getAttribute("data-points") ?? 0) >= 2,
    ),
  );
  await waitFor(page, "AAPL's change against a reference", (sel) => /^[+-]?\d+\.\d{2}$/.test(document.querySelector(`${sel} .chg`)?.textContent ?? ""), row);
  assert.equal(await page.getAttribute(".conn", "data-state"), "live");
  await screenshot(page, "watchlist");
  assertNoPageErrors(page);
  await page.context().close();
});

test("chart: candles with overlays, volume, RSI and MACD panes, live from the stream", async () => {
  const page = await newPage();
  await page.goto(`${base}/#/chart/AAPL/1s`);
  const chart = ".price-chart";
  // SMA(20) needs 20 bars and RSI(14) 15: a fresh market makes one one-second bar a second.
  await waitFor(page, "21 candles with SMA and RSI values on the chart", (sel) => {
    const d = document.querySelector(sel)?.dataset;
    return d?.state === "ready" && Number(d.candles) >= 21 && Number(d.pointsRsi) >= 1 && Number(d.pointsSma) >= 1;
  }, chart);
  const data = await page.$eval(chart, (el) => ({ ...el.dataset }));
  assert.equal(data.paneNames, "price,volume,rsi,macd", "the default panes");
  assert.equal(Number(data.panes), 4);
  assert.equal(Number(data.pointsRsi), Number(data.candles) - 14, `RSI(14) has a value from the 15th candle on: ${JSON.stringify(data)}`);
  assert.equal(Number(data.pointsSma), Number(data.candles) - 19, `SMA(20) from the 20th: ${JSON.stringify(data)}`);

  // The RSI pane is drawn: its canvases hold the RSI line's colour (#f2994a).
  const rsiDrawn = await page.$eval(chart, (el) => {
    const names = el.dataset.paneNames.split(",");
    const panes = [...el.querySelectorAll("table tr")].filter((tr) => tr.querySelectorAll("canvas").length > 0 && tr.getBoundingClientRect().height > 20);
    const pane = panes[names.indexOf("rsi")];
    if (!pane) return { error: `no pane row for rsi among ${panes.length}` };
    let hits = 0;
    for (const canvas of pane.querySelectorAll("canvas")) {
      const ctx = canvas.getContext("2d");
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (Math.abs(px[i] - 242) < 12 && Math.abs(px[i + 1] - 153) < 12 && Math.abs(px[i + 2] - 74) < 12 && px[i + 3] > 200) hits++;
      }
    }
    return { hits, canvases: pane.querySelectorAll("canvas").length };
  });
  assert.ok(!rsiDrawn.error, rsiDrawn.error);
  assert.ok(rsiDrawn.hits > 20, `the RSI pane has the RSI line's pixels: ${JSON.stringify(rsiDrawn)}`);

  // Live: new bars arrive from the stream and are drawn.
  const candles = Number(data.candles);
  await waitFor(page, `more candles than ${candles}`, ([sel, n]) => Number(document.querySelector(sel)?.dataset.candles) > n, [chart, candles]);

  // Another timeframe and indicator choices redraw the panes.
  await page.click('button[data-timeframe="1m"]');
  await waitFor(page, "the 1m chart", (sel) => document.querySelector(sel)?.dataset.timeframe === "1m" && document.querySelector(sel)?.dataset.state === "ready", chart);
  assert.match(page.url(), /#\/chart\/AAPL\/1m$/);
  await page.uncheck('input[name="macd"]');
  await waitFor(page, "the MACD pane removed", (sel) => document.querySelector(sel)?.dataset.paneNames === "price,volume,rsi", chart);
  await page.check('input[name="macd"]');
  await page.click('button[data-timeframe="1s"]');
  await waitFor(page, "the 1s chart again with four panes", (sel) => {
    const d = document.querySelector(sel)?.dataset;
    return d?.timeframe === "1s" && d.state === "ready" && d.paneNames === "price,volume,rsi,macd" && Number(d.pointsRsi) >= 1;
  }, chart);
  await screenshot(page, "chart");
  assertNoPageErrors(page);
  await page.context().close();
});

test("options: the chain shows IV and Greeks, updating live, with smile, term structure, ratios and max pain", async () => {
  const page = await newPage();
  await page.goto(`${base}/#/options/AAPL`);
  await waitFor(page, "delta and gamma numbers in the chain", () => {
    const num = (sel) => [...document.querySelectorAll(`table.chain td${sel}`)].filter((td) => /^-?\d+\.\d+$/.test(td.textContent ?? "")).length;
    return num(".delta") >= 10 && num(".gamma") >= 10;
  });
  // One evaluate reads the table at one instant (a spot crossing a strike redraws it).
  const greeks = await page.evaluate(() =>
    [...document.querySelectorAll("table.chain tbody tr")].flatMap((tr) =>
      [...tr.querySelectorAll("td.delta")].map((td) => ({
        contract: td.dataset.contract,
        delta: Number(td.textContent),
        gamma: Number(tr.querySelector(`td.gamma[data-contract="${td.dataset.contract}"]`)?.textContent),
        iv: tr.querySelector(`td.iv[data-contract="${td.dataset.contract}"]`)?.textContent ?? "",
      })),
    ),
  );
  const priced = greeks.filter((g) => Number.isFinite(g.delta) && g.contract);
  assert.ok(priced.length >= 10, `contracts with Greeks: ${JSON.stringify(greeks.slice(0, 5))}`);
  for (const g of priced) {
    const call = /\d{6}C\d{8}$/.test(g.contract);
    assert.ok(call ? g.delta >= 0 && g.delta <= 1 : g.delta >= -1 && g.delta <= 0, `${g.contract} delta ${g.delta}`);
    assert.ok(g.gamma >= 0, `${g.contract} gamma ${g.gamma}`);
    assert.match(g.iv, /^\d+\.\d%$/, `${g.contract} IV`);
  }
  // Live: the greeks channel changes IV or Greeks cells in place.
  const snapshot = () =>
    page.evaluate(() => [...document.querySelectorAll("table.chain td.iv, table.chain td.delta, table.chain td.gamma")].map((td) => td.textContent).join("|"));
  const before = await snapshot();
  await waitFor(
    page,
    "an IV or Greek to change live",
    (b) => [...document.querySelectorAll("table.chain td.iv, table.chain td.delta, table.chain td.gamma")].map((td) => td.textContent).join("|") !== b,
    before,
  );
  const summary = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll(".chain-summary dt")].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ""])),
  );
  assert.match(summary["Max pain"], /^\d[\d,]*\.\d{2}$/, `max pain: ${JSON.stringify(summary)}`);
  assert.match(summary["P/C open interest"], /^\d+\.\d{2} \(all \d+\.\d{2}\)$/, `P/C OI: ${JSON.stringify(summary)}`);
  assert.match(summary["ATM IV"], /^\d+\.\d% @ /, `ATM IV: ${JSON.stringify(summary)}`);
  await waitFor(page, "smile and term structure plotted", () => {
    const n = (plot, series) => Number(document.querySelector(`[data-plot="${plot}"] [data-series="${series}"]`)?.getAttribute("data-points") ?? 0);
    return n("smile", "out of the money") >= 5 && n("term", "ATM IV") >= 3;
  });
  // Another expiration from the buttons.
  const expirations = await page.evaluate(() => [...document.querySelectorAll("button[data-expiration]")].map((b) => b.dataset.expiration));
  assert.ok(expirations.length >= 2, `expirations: ${expirations}`);
  await page.click(`button[data-expiration="${expirations[1]}"]`);
  await waitFor(page, `the ${expirations[1]} chain`, (e) => document.querySelector("table.chain")?.getAttribute("aria-label")?.includes(` ${e} `) ?? false, expirations[1]);
  await page.click(`button[data-expiration="${expirations[0]}"]`);
  await waitFor(page, "Greeks back in the first expiration", () => [...document.querySelectorAll("table.chain td.delta")].some((td) => /\d/.test(td.textContent ?? "")));
  await screenshot(page, "options");
  assertNoPageErrors(page);
  await page.context().close();
});

test("SQL: a query shows a table with rows, a chart and a CSV; errors show the server's message", async () => {
  const page = await newPage();
  await page.goto(`${base}/#/sql`);
  const query = "SELECT symbol, count(*) AS trades, sum(size) AS volume FROM trades GROUP BY symbol ORDER BY symbol";
  await page.fill("textarea.sql-editor", query);
  // The history is written in batches (persist.max_age_ms): ask again until it has rows.
  const deadline = Date.now() + MARKET_WAIT_MS;
  let rows = 0;
  while (rows === 0) {
    await page.focus("textarea.sql-editor");
    await page.keyboard.press("Control+Enter");
    await waitFor(page, "the query's answer", () => /rows? in \d+ ms/.test(document.querySelector(".sql-meta")?.textContent ?? "") || !document.querySelector(".error-box")?.hidden, undefined, 30_000);
    const error = await page.$eval(".error-box", (e) => (e.hidden ? "" : e.textContent));
    assert.equal(error, "", `the query failed: ${error}`);
    rows = await page.$$eval("table.sql-table tbody tr", (trs) => trs.length).catch(() => 0);
    if (rows === 0) {
      assert.ok(Date.now() < deadline, "the trades table stayed empty");
      await sleep(1000);
    }
  }
  const table = await page.$$eval("table.sql-table tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  const header = await page.$$eval("table.sql-table thead th", (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(header, ["symbol", "trades", "volume"]);
  assert.ok(table.length >= 1 && table.length <= 10, `rows: ${JSON.stringify(table)}`);
  for (const [symbol, trades, volume] of table) {
    assert.match(symbol, /^[A-Z]+$/);
    assert.ok(Number(trades) > 0 && Number(volume) > 0, `${symbol}: ${trades} trades, volume ${volume}`);
  }
  const plotted = await page.$eval('[data-plot="sql"] [data-series]', (g) => ({ name: g.getAttribute("data-series"), points: Number(g.getAttribute("data-points")) }));
  assert.deepEqual(plotted, { name: "trades", points: table.length });

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\r\n");
  assert.equal(csv[0], "symbol,trades,volume");
  assert.equal(csv.length, table.length + 1, "one CSV line per row");
  assert.equal(csv[1], table[0].join(","));
  await screenshot(page, "sql");

  await page.fill("textarea.sql-editor", "SELEC nothing FROM trades");
  await page.click("button.primary");
  await waitFor(page, "the error shown", () => !document.querySelector(".error-box")?.hidden, undefined, 30_000);
  const message = await page.textContent(".error-box");
  assert.match(message, /^400 · SQL error: .*SELEC/, `the server's message: ${message}`);
  assertNoPageErrors(page, [/status of 400/]);
  await page.context().close();
});

// ---- documents ----------------------------------------------------------------------

/** Drops `files` ({name, type, text}) on `selector` as a person dragging them from the desktop would. */
async function dropFiles(page, selector, files) {
  await page.evaluate(
    ([sel, list]) => {
      const transfer = new DataTransfer();
      for (const f of list) transfer.items.add(new File([f.text], f.name, { type: f.type }));
      const target = document.querySelector(sel);
      for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
    },
    [selector, files],
  );
}

/** The upload row of `name` once the server answered, as {state, status, progress, events}. */
async function uploadOutcome(page, name, nth = 0) {
  const settled = ([n, i]) => {
    const row = [...document.querySelectorAll("li.upload")].filter((li) => li.dataset.file === n).reverse()[i];
    return row && !["waiting", "sending"].includes(row.dataset.state);
  };
  await waitFor(page, `the server's answer to ${name}`, settled, [name, nth], 60_000);
  return page.evaluate(
    ([n, i]) => {
      const row = [...document.querySelectorAll("li.upload")].filter((li) => li.dataset.file === n).reverse()[i];
      return {
        state: row.dataset.state,
        status: row.querySelector(".upload-status").textContent,
        progress: row.querySelector("progress").value,
        events: Number(row.dataset.progressEvents ?? 0),
      };
    },
    [name, nth],
  );
}

/** The documents list as {filename: {id, status, title, pages, chunks, labels, error}}. */
function documentRows(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("table.docs-table tbody tr")].map((tr) => {
        const cells = tr.querySelectorAll("td");
        return [
          tr.dataset.filename,
          {
            id: tr.dataset.documentId,
            status: tr.dataset.status,
            statusText: tr.querySelector(".doc-status")?.textContent ?? "",
            title: tr.querySelector(".doc-title")?.textContent ?? "",
            pages: cells[1]?.textContent ?? "",
            chunks: cells[2]?.textContent ?? "",
            labels: [...tr.querySelectorAll(".chip")].map((c) => c.textContent),
            error: tr.querySelector(".doc-error")?.textContent ?? "",
          },
        ];
      }),
    ),
  );
}

const NOTES_MD = "# Desk notes\n\nThe rates desk expects two cuts next year 😀 while funding spreads stay tight.\n\nCredit issuance was strong in October and demand for new bonds held up.\n";
const QUESTION = "What price target does the note set for Northwind Semiconductors?";

test("documents: uploads with progress, the pipeline's status, search with highlights, answers with citations", async () => {
  const page = await newPage();
  const listRequests = [];
  page.on("request", (r) => {
    if (r.method() === "GET" && new URL(r.url()).pathname === "/v1/documents") listRequests.push(Date.now());
  });
  await page.goto(`${base}/#/documents`);
  await waitFor(page, "the empty list", () => !document.querySelector(".docs-list .empty")?.hidden, undefined, 30_000);

  // Several files at once through the picker, with tickers and tags: the note, a type the
  // server does not read, and a PDF that is not one.
  await page.fill('input[name="tickers"]', "nwsc");
  await page.fill('input[name="tags"]', "q3, research");
  const notePdf = { name: "nwsc-q3-2024.pdf", mimeType: "application/pdf", buffer: readFileSync(NOTE_PDF) };
  await page.setInputFiles('input[name="files"]', [
    notePdf,
    { name: "deck.docx", mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", buffer: Buffer.from("PK\x03\x04 not a document") },
    { name: "broken.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7 garbage") },
  ]);
  // The Markdown file by drag and drop, with a title (a single file takes one).
  await page.fill('input[name="tickers"]', "");
  await page.fill('input[name="tags"]', "rates");
  await page.fill('input[name="title"]', "Desk notes on rates");
  await dropFiles(page, ".drop-zone", [{ name: "desk-notes.md", type: "text/markdown", text: NOTES_MD }]);

  const pdf = await uploadOutcome(page, "nwsc-q3-2024.pdf");
  assert.equal(pdf.state, "queued", `the PDF: ${JSON.stringify(pdf)}`);
  assert.ok(pdf.events >= 1 && pdf.progress === 1, `the PDF's upload progress was reported: ${JSON.stringify(pdf)}`);
  const md = await uploadOutcome(page, "desk-notes.md");
  assert.equal(md.state, "queued", `the Markdown file: ${JSON.stringify(md)}`);
  const docx = await uploadOutcome(page, "deck.docx");
  assert.equal(docx.state, "error");
  assert.match(docx.status, /^415 · "deck\.docx" is not a document finstream reads/, `the server's reason: ${docx.status}`);
  assert.equal(await uploadOutcome(page, "broken.pdf").then((o) => o.state), "queued", "a corrupt PDF is taken, then fails in the pipeline");

  try {
    await waitFor(
      page,
      "both documents embedded and the broken PDF failed",
      () => {
        const status = (f) => document.querySelector(`tr[data-filename="${f}"]`)?.dataset.status;
        return status("nwsc-q3-2024.pdf") === "embedded" && status("desk-notes.md") === "embedded" && status("broken.pdf") === "failed";
      },
      undefined,
      EMBED_WAIT_MS,
    );
  } catch (e) {
    // Whether the page or the pipeline is behind: both lists, and the server's log.
    const server = await fetch(`${base}/v1/documents`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text()).catch((err) => String(err));
    const shown = JSON.stringify(await documentRows(page));
    const listError = await page.$eval(".docs-list .error-box", (b) => (b.hidden ? "" : b.textContent));
    throw new Error(`${e.message}\nthe page shows: ${shown} ${listError}\nthe server says: ${server}\nlog:\n${tail(main.logPath, 40)}`);
  }
  const rows = await documentRows(page);
  const note = rows["nwsc-q3-2024.pdf"];
  assert.equal(note.statusText, "embedded");
  assert.equal(note.title, "Northwind Semiconductors: Q3 2024 research note", "the title read from the PDF");
  assert.equal(note.pages, "4");
  assert.ok(Number(note.chunks) >= 1, `chunks: ${JSON.stringify(note)}`);
  assert.deepEqual(note.labels.slice(0, 1), ["NWSC"], "the ticker, upper-cased by the server");
  assert.ok(note.labels.includes("q3") && note.labels.includes("research"), `tags: ${JSON.stringify(note.labels)}`);
  assert.equal(rows["desk-notes.md"].title, "Desk notes on rates");
  assert.deepEqual(rows["desk-notes.md"].labels, ["rates"]);
  assert.equal(rows["broken.pdf"].statusText, "failed");
  assert.match(rows["broken.pdf"].error, /corrupt/, `the reason it failed: ${JSON.stringify(rows["broken.pdf"])}`);
  assert.ok(!("deck.docx" in rows), "a refused upload is not listed");

  // The list asked again while documents moved, and stops once none does.
  assert.ok(listRequests.length >= 3, `the list polled while documents were processed: ${listRequests.length} requests`);
  const settledAt = Date.now();
  await sleep(4000);
  assert.deepEqual(listRequests.filter((t) => t > settledAt + 500), [], "the list stopped polling when nothing moved");

  // The same bytes again: a duplicate, not processed twice.
  await page.setInputFiles('input[name="files"]', notePdf);
  const again = await uploadOutcome(page, "nwsc-q3-2024.pdf", 1);
  assert.equal(again.state, "duplicate");
  assert.match(again.status, /already uploaded as “Northwind Semiconductors: Q3 2024 research note” \(embedded\)/);
  // Over the server's upload limit: its 413 and message.
  await page.setInputFiles('input[name="files"]', { name: "too-big.txt", mimeType: "text/plain", buffer: Buffer.alloc(1.5 * 1024 * 1024, "a") });
  const big = await uploadOutcome(page, "too-big.txt");
  assert.equal(big.state, "error");
  assert.match(big.status, new RegExp(`^413 · the upload is over the limit of ${UPLOAD_LIMIT_MIB} MiB`), big.status);

  // Search: the PDF's passage with the words marked.
  await page.fill('input[name="q"]', "price target");
  await page.press('input[name="q"]', "Enter");
  await waitFor(page, "search results", () => document.querySelectorAll(".search-results li.passage").length > 0 || !document.querySelector(".docs-search .error-box")?.hidden, undefined, 30_000);
  const results = await page.$$eval(".search-results li.passage", (lis) =>
    lis.map((li) => ({
      document: li.dataset.documentId,
      title: li.querySelector(".passage-title")?.textContent,
      page: li.querySelector(".passage-page")?.textContent ?? "",
      score: li.querySelector(".passage-score")?.textContent ?? "",
      marks: [...li.querySelectorAll(".passage-text mark")].map((m) => m.textContent),
    })),
  );
  const hit = results.find((r) => r.document === note.id && r.marks.length > 0);
  assert.ok(hit, `a highlighted passage of the PDF: ${JSON.stringify(results)}`);
  assert.equal(hit.title, note.title);
  assert.match(hit.page, /^page [1-4]$/);
  assert.match(hit.score, /^score 0\.\d{3}$/);
  for (const m of hit.marks) assert.match(m, /^(price|target)/i, `marked: ${JSON.stringify(hit.marks)}`);
  // An emoji before the words: the marks land on them (offsets are code points).
  await page.fill('input[name="q"]', "funding spreads");
  await page.click('form[role="search"] button[type="submit"]');
  await waitFor(page, "the Markdown passage", (id) => document.querySelector(`.search-results li.passage[data-document-id="${id}"] mark`) !== null, rows["desk-notes.md"].id, 30_000);
  const mdMarks = await page.$$eval(`.search-results li.passage[data-document-id="${rows["desk-notes.md"].id}"] mark`, (ms) => ms.map((m) => m.textContent));
  assert.deepEqual(mdMarks, ["funding", "spreads"]);

  // Ask: a streamed answer that cites the PDF; the citation leads to the source.
  const chat = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/chat");
  await page.fill('textarea[name="question"]', QUESTION);
  await page.press('textarea[name="question"]', "Enter");
  const chatResponse = await chat;
  assert.equal(chatResponse.status(), 200);
  assert.match(chatResponse.headers()["content-type"] ?? "", /^text\/event-stream/, "the answer came as server-sent events");
  await waitFor(page, "the answer", () => ["done", "error"].includes(document.querySelector(".answer")?.dataset.state ?? "") || !document.querySelector(".docs-ask .error-box")?.hidden, undefined, 60_000);
  assert.equal(await page.$eval(".docs-ask .error-box", (e) => (e.hidden ? "" : e.textContent)), "");
  const answer = await page.evaluate(() => ({
    text: document.querySelector(".answer-text")?.textContent ?? "",
    mode: document.querySelector(".mode-badge")?.textContent ?? "",
    cites: [...document.querySelectorAll(".answer-text a.cite")].map((a) => {
      const source = document.querySelector(`.sources li.passage[data-n="${a.dataset.cite}"]`);
      return { n: a.dataset.cite, label: a.textContent, title: source?.querySelector(".passage-title")?.textContent, text: source?.textContent ?? "" };
    }),
    sources: document.querySelectorAll(".sources li.passage").length,
  }));
  assert.equal(answer.mode, "extractive", "finstream run has no LLM: the answer is extractive and says so");
  assert.match(answer.text, /price target of \$227/, `the answer: ${answer.text}`);
  const cite = answer.cites.find((c) => c.title === note.title && c.text.includes("$227")) ?? answer.cites.find((c) => c.title === note.title);
  assert.ok(cite, `a citation of the PDF: ${JSON.stringify(answer.cites.map(({ text, ...c }) => c))}`);
  assert.equal(cite.label, `[${cite.n}]`);
  // A short window, the citation in its middle and the source below the fold: the click
  // has to bring the source into view.
  await page.setViewportSize({ width: 1366, height: 360 });
  const hidden = await page.evaluate((n) => {
    document.querySelector(`.answer-text a.cite[data-cite="${n}"]`).scrollIntoView({ block: "center" });
    return document.querySelector(`.sources li.passage[data-n="${n}"]`).getBoundingClientRect().top >= window.innerHeight;
  }, cite.n);
  assert.ok(hidden, `source ${cite.n} is below the fold before the click`);
  await page.click(`.answer-text a.cite[data-cite="${cite.n}"]`);
  await waitFor(
    page,
    `source ${cite.n} revealed`,
    (n) => {
      const li = document.querySelector(`.sources li.passage[data-n="${n}"]`);
      if (!li?.classList.contains("cited") || document.activeElement !== li) return false;
      const r = li.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight;
    },
    cite.n,
    10_000,
  );
  const revealed = await page.$eval(`.sources li.passage[data-n="${cite.n}"]`, (li) => ({
    url: location.hash,
    text: li.querySelector(".passage-text").textContent,
    expanded: li.querySelector(".passage-toggle")?.getAttribute("aria-expanded") ?? "no toggle",
    marks: li.querySelectorAll(".passage-text mark").length,
  }));
  assert.equal(revealed.url, "#/documents", "a citation does not change the route");
  assert.ok(["true", "no toggle"].includes(revealed.expanded), `the whole passage is shown: ${revealed.expanded}`);
  assert.ok(!revealed.text.startsWith("…") && !revealed.text.endsWith("…"), "not an excerpt");
  assert.ok(revealed.marks > 0, "the source's passage has the question's words marked");
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, "documents");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the documents page is ${overflow}px wider than a phone`);
  await screenshot(page, "documents-phone");
  assertNoPageErrors(page, [/status of 41[35]/]);
  await page.context().close();
});

test("documents: uploads stay listed while the server's list lags; polling runs while anything moves, stops when it settles or the view is left", async () => {
  const page = await newPage();
  // A fake documents API: one document queued until told, and uploads answered 202 that
  // its list leaves out until `lagging` ends (the real list lags its 202s a moment).
  const at = (s) => `2026-01-02T03:04:${String(s).padStart(2, "0")}.000000000Z`;
  const fake = (id, filename, status, s) => ({
    id, filename, title: null, author: null, media_type: "text/plain", size_bytes: 10, status, error_code: null, error: null,
    page_count: 0, little_text_pages: [], chunk_count: status === "embedded" ? 1 : 0, tickers: [], tags: [],
    submitted_by: "anonymous", submitted_at: at(s), updated_at: at(s),
  });
  let slowStatus = "queued";
  let lagging = true;
  const uploads = [];
  const requests = [];
  await page.route("**/v1/documents", (route) => {
    const request = route.request();
    if (request.method() === "POST") {
      const name = /filename="([^"]+)"/.exec(request.postDataBuffer()?.toString("latin1") ?? "")?.[1] ?? "unnamed";
      const doc = fake(`doc-${name}`, name, "queued", 10 + uploads.length);
      uploads.push(doc);
      return route.fulfill({ status: 202, json: { duplicate: false, document: doc } });
    }
    requests.push(Date.now());
    const listed = lagging ? [] : uploads.map((u) => ({ ...u, status: "embedded", updated_at: at(50) }));
    return route.fulfill({ json: { documents: [...listed, fake("doc-slow", "slow.pdf", slowStatus, 1)] } });
  });
  const since = (t) => requests.filter((r) => r > t).length;
  const listed = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll("table.docs-table tbody tr")].map((tr) => [tr.dataset.filename, tr.dataset.status])));
  await page.goto(`${base}/#/documents`);
  await waitFor(page, "the queued document listed", () => document.querySelector('tr[data-document-id="doc-slow"]')?.dataset.status === "queued", undefined, 10_000);

  // Three uploads in a burst; the list keeps all three while the server's list lags.
  await page.setInputFiles('input[name="files"]', ["a", "b", "c"].map((n) => ({ name: `${n}.txt`, mimeType: "text/plain", buffer: Buffer.from(`file ${n}`) })));
  await waitFor(page, "three uploads queued", () => document.querySelectorAll('li.upload[data-state="queued"]').length === 3, undefined, 10_000);
  let t = Date.now();
  await sleep(3500);
  assert.ok(since(t) >= 2, `polled while documents moved: ${since(t)} requests in 3.5 s`);
  assert.deepEqual(await listed(), { "a.txt": "queued", "b.txt": "queued", "c.txt": "queued", "slow.pdf": "queued" }, "uploads the list lags behind stay shown");
  lagging = false;
  await waitFor(page, "the uploads embedded", () => document.querySelectorAll('tr[data-status="embedded"]').length === 3, undefined, 10_000);

  // Leaving the view stops the polling (the slow document still moves).
  await page.keyboard.press("w");
  await page.waitForURL(/#\/watchlist$/);
  await sleep(300);
  t = Date.now();
  await sleep(3500);
  assert.equal(since(t), 0, "no requests after the view was left");
  // Coming back polls again; once nothing moves, it stops.
  await page.keyboard.press("d");
  await waitFor(page, "the list again", () => document.querySelector('tr[data-document-id="doc-slow"]') !== null, undefined, 10_000);
  slowStatus = "embedded";
  await waitFor(page, "the document embedded", () => document.querySelector('tr[data-document-id="doc-slow"]')?.dataset.status === "embedded", undefined, 10_000);
  await sleep(300);
  t = Date.now();
  await sleep(3500);
  assert.equal(since(t), 0, "no requests once nothing moves");
  assert.deepEqual(await listed(), { "a.txt": "embedded", "b.txt": "embedded", "c.txt": "embedded", "slow.pdf": "embedded" });
  assertNoPageErrors(page);
  await page.context().close();
});

test("documents without the embedding model: the server's 503 message is shown as it is", async () => {
  const server = await startServer({ env: { FINSTREAM__EMBEDDINGS__MODEL_DIR: join(tmpdir(), "finstream-no-model-here") } });
  const page = await newPage();
  try {
    await page.goto(`${server.base}/#/documents`);
    await waitFor(page, "the empty list", () => !document.querySelector(".docs-list .empty")?.hidden, undefined, 30_000);
    await page.fill('input[name="q"]', "anything");
    await page.press('input[name="q"]', "Enter");
    await waitFor(page, "the search refused", () => !document.querySelector(".docs-search .error-box")?.hidden, undefined, 30_000);
    assert.match(await page.textContent(".docs-search .error-box"), /^503 · documents, search and answers need the embedding model/);
    await page.fill('textarea[name="question"]', "Anything?");
    await page.click('.docs-ask button[type="submit"]');
    await waitFor(page, "the question refused", () => !document.querySelector(".docs-ask .error-box")?.hidden, undefined, 30_000);
    assert.match(await page.textContent(".docs-ask .error-box"), /^503 · documents, search and answers need the embedding model/);
    await page.setInputFiles('input[name="files"]', { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("some text") });
    const upload = await uploadOutcome(page, "a.txt");
    assert.equal(upload.state, "error");
    assert.match(upload.status, /^503 · documents, search and answers need the embedding model/);
    assertNoPageErrors(page, [/status of 503/]);
  } finally {
    await page.context().close();
    await stopServer(server);
  }
});

// ---- chat --------------------------------------------------------------------------

/** A page on the chat view named `name` (set before the app starts), live in `room`. */
async function chatPage(name, room) {
  const page = await newPage();
  await page.addInitScript((n) => localStorage.setItem("finstream.chat.name", n), name);
  await page.goto(`${base}/#/chat/${room}`);
  await waitFor(
    page,
    `${name} live in #${room}`,
    ([r, n]) => {
      const view = document.querySelector(".chat-view");
      return view?.dataset.room === r && view.dataset.phase === "live" && document.querySelector(`.chat-online li[data-user="${n}"]`) !== null;
    },
    [room, name],
    30_000,
  );
  return page;
}

/** The id of the newest message by `user` whose text is `text`. */
async function messageId(page, user, text) {
  const find = ([u, t]) =>
    [...document.querySelectorAll(`li.chat-msg[data-user="${u}"]`)].reverse().find((li) => li.querySelector(":scope > .chat-text")?.textContent === t)?.dataset.id ?? null;
  await waitFor(page, `${user}'s “${text}”`, find, [user, text], 20_000);
  return page.evaluate(find, [user, text]);
}

test("two pages chat", async () => {
  // Two people in a room of their own: a message, a reaction, presence, typing, a reply in
  // a thread, a file, the assistant's answer with citations, history after a reload, search.
  const room = `e2e-${Date.now().toString(36)}`;
  const tag = String(Math.floor(Math.random() * 10_000)).padStart(4, "0");
  const ann = `ann-${tag}`;
  const bob = `bob-${tag}`;
  const a = await chatPage(ann, room);
  const b = await chatPage(bob, room);
  const input = 'textarea[name="message"]';
  try {
    // Presence: each page lists both.
    for (const [page, other] of [[a, bob], [b, ann]]) {
      await waitFor(page, `${other} shown online`, (u) => document.querySelector(`.chat-online li[data-user="${u}"]`) !== null, other, 15_000);
    }

    // A sends; B sees it live, with its author.
    const hello = `Hello from ${ann}: NVDA after hours?`;
    await a.fill(input, hello);
    await a.press(input, "Enter");
    const id = await messageId(b, ann, hello);
    assert.match(id, /^m\d{20}/, `a message id: ${id}`);
    await waitFor(a, "ann's own message confirmed", (i) => document.querySelector(`li.chat-msg[data-id="${i}"][data-mine="true"]`) !== null && !document.querySelector("li.chat-msg.pending"), id, 15_000);

    // B reacts; A sees the reaction with B's name.
    await b.hover(`li.chat-msg[data-id="${id}"]`);
    await b.click(`li.chat-msg[data-id="${id}"] button.chat-quick-react`);
    await waitFor(
      a,
      "bob's 👍 on ann's page",
      ([i, u]) => {
        const chip = document.querySelector(`li.chat-msg[data-id="${i}"] .chat-reaction[data-emoji="👍"]`);
        return chip?.dataset.count === "1" && chip.title.includes(u);
      },
      [id, bob],
      15_000,
    );

    // B types; A sees "bob is typing…".
    await b.focus(input);
    await b.keyboard.type("a reply is com", { delay: 40 });
    await waitFor(a, "bob is typing", (u) => (document.querySelector(".chat-typing")?.textContent ?? "").includes(`${u} is typing`), bob, 10_000);

    // B replies in the thread; A sees the reply pointing at its message.
    await b.click(`li.chat-msg[data-id="${id}"] button.chat-reply`);
    const reply = `Reply from ${bob}: after hours it is quiet`;
    await b.fill(input, reply);
    await b.press(input, "Enter");
    const replyId = await messageId(a, bob, reply);
    assert.equal(await a.getAttribute(`li.chat-msg[data-id="${replyId}"] .chat-thread a`, "data-parent"), id, "the reply names its thread");
    await waitFor(a, "the typing line cleared by bob's message", () => (document.querySelector(".chat-typing")?.textContent ?? "") === "", undefined, 10_000);

    // A attaches a file; B sees it and downloads it under its own name.
    const notesName = `notes-${tag}.txt`;
    const notes = `desk notes ${tag}\n`;
    await a.setInputFiles('input[name="attachment"]', { name: notesName, mimeType: "text/plain", buffer: Buffer.from(notes) });
    await waitFor(b, "the attachment on bob's page", (n) => [...document.querySelectorAll(".chat-attachment .chat-file")].some((l) => l.textContent === `📎 ${n}`), notesName, 20_000);
    const file = await b.evaluate(async (n) => {
      const link = [...document.querySelectorAll(".chat-attachment a.chat-file")].find((l) => l.textContent === `📎 ${n}`);
      const r = await fetch(link.href);
      return { href: link.getAttribute("href"), status: r.status, text: await r.text() };
    }, notesName);
    assert.match(file.href, new RegExp(`^/v1/chat/rooms/${room}/attachments/[0-9a-f]{64}\\?as=${bob}$`), `the download link: ${file.href}`);
    assert.deepEqual([file.status, file.text], [200, notes]);

    // A asks the assistant: the answer comes as a reply to the question, on both pages,
    // and each [n] opens its source.
    await a.fill(input, QUESTION);
    await a.click("button.chat-ask");
    const questionId = await messageId(a, ann, `@assistant ${QUESTION}`);
    const answered = (q) => document.querySelector(`li.chat-msg[data-user="assistant"] .chat-thread a[data-parent="${q}"]`) !== null;
    await waitFor(a, "the assistant's answer", answered, questionId, EMBED_WAIT_MS);
    await waitFor(b, "the assistant's answer on bob's page", answered, questionId, 20_000);
    const answer = await a.evaluate((q) => {
      const li = document.querySelector(`li.chat-msg[data-user="assistant"] .chat-thread a[data-parent="${q}"]`).closest("li.chat-msg");
      return {
        id: li.dataset.id,
        role: li.dataset.role,
        text: li.querySelector(":scope > .chat-text").textContent,
        cites: [...li.querySelectorAll(".chat-text a.cite")].map((c) => c.dataset.cite),
        sources: li.querySelectorAll(".chat-sources li.passage").length,
      };
    }, questionId);
    assert.equal(answer.role, "assistant");
    assert.ok(answer.text.trim().length > 0, "the answer has text");
    assert.equal(await a.locator("li.chat-msg.draft").count(), 0, "no answer is left streaming");
    if (answer.cites.length > 0) {
      // The documents test's note is in the library: a cited answer.
      assert.match(answer.text, /\$227/, `the answer: ${answer.text}`);
      assert.ok(answer.sources > 0, `sources for the citations: ${JSON.stringify(answer)}`);
      const n = answer.cites[0];
      await a.click(`li.chat-msg[data-id="${answer.id}"] .chat-text a.cite[data-cite="${n}"]`);
      await waitFor(
        a,
        `source ${n} shown`,
        ([i, k]) => {
          const src = document.querySelector(`li.chat-msg[data-id="${i}"] details.chat-sources[open] li.passage[data-n="${k}"]`);
          if (!src?.classList.contains("cited") || document.activeElement !== src) return false;
          const r = src.getBoundingClientRect();
          return r.top >= 0 && r.top < window.innerHeight && Boolean(src.querySelector(".passage-title")?.textContent) && Boolean(src.querySelector(".passage-text")?.textContent);
        },
        [answer.id, n],
        10_000,
      );
    }

    // Search: a word of B's reply, marked.
    await b.fill('input[name="chat-q"]', "quiet");
    await b.press('input[name="chat-q"]', "Enter");
    await waitFor(b, "a search result with the word marked", (i) => document.querySelector(`.chat-result[data-id="${i}"] mark`)?.textContent?.toLowerCase() === "quiet", replyId, 20_000);

    await a.evaluate(() => window.scrollTo(0, 0));
    await screenshot(a, "chat");
    await a.setViewportSize({ width: 390, height: 844 });
    await a.evaluate(() => window.scrollTo(0, 0));
    const overflow = await a.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the chat page is ${overflow}px wider than a phone`);
    await screenshot(a, "chat-phone");
    // History: a reloaded page starts empty and folds the room's history back. History
    // pages come from the hot store, which persist writes every persist.max_age_ms (2 s):
    // wait that out here; the next test checks a join right after a message.
    await sleep(3000);
    await b.reload();
    await waitFor(
      b,
      "the room's history after a reload, with the reaction and the thread",
      ([i, r, q]) =>
        document.querySelector(`li.chat-msg[data-id="${i}"] .chat-reaction[data-emoji="👍"]`)?.dataset.count === "1" &&
        document.querySelector(`li.chat-msg[data-id="${r}"] .chat-thread a[data-parent="${i}"]`) !== null &&
        document.querySelector(`li.chat-msg[data-id="${q}"]`) !== null,
      [id, replyId, questionId],
      30_000,
    );
    assertNoPageErrors(a);
    assertNoPageErrors(b);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test("chat: someone opening a room right after a message sees it", async () => {
  // A fresh join (no offsets to resume from) gets live events after its `joined` and the
  // history page for what came before: nothing may fall between the two.
  const room = `e2e-late-${Date.now().toString(36)}`;
  const tag = String(Math.floor(Math.random() * 10_000)).padStart(4, "0");
  const a = await chatPage(`cy-${tag}`, room);
  const b = await newPage();
  try {
    await b.addInitScript((n) => localStorage.setItem("finstream.chat.name", n), `dee-${tag}`);
    await b.goto(`${base}/#/sql`);
    await b.waitForSelector("textarea.sql-editor");
    const text = `Just said, before dee-${tag} came in`;
    await a.fill('textarea[name="message"]', text);
    await a.press('textarea[name="message"]', "Enter");
    const id = await messageId(a, `cy-${tag}`, text);
    await waitFor(a, "the message confirmed", () => !document.querySelector("li.chat-msg.pending"), undefined, 15_000);
    // Into the room at once, as a click on the Chat tab would.
    await b.evaluate((r) => (location.hash = `#/chat/${r}`), room);
    await waitFor(b, `dee-${tag} live in #${room}`, (r) => document.querySelector(".chat-view")?.dataset.room === r && document.querySelector(".chat-view")?.dataset.phase === "live", room, 30_000);
    await waitFor(b, "the message said just before the join", (i) => document.querySelector(`li.chat-msg[data-id="${i}"]`) !== null, id, 10_000);
    assertNoPageErrors(a);
    assertNoPageErrors(b);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test("connection: a dropped stream reconnects, resumes by offset and says so", async () => {
  const page = await newPage();
  const sent = [];
  const routes = [];
  // The page's WebSockets go through this proxy, which can drop them like a network would.
  await page.routeWebSocket(/\/v1\/stream/, (ws) => {
    const server = ws.connectToServer();
    routes.push({ ws, server });
    ws.onMessage((m) => {
      sent.push(String(m));
      server.send(m);
    });
    server.onMessage((m) => ws.send(m));
  });
  await page.goto(`${base}/#/watchlist`);
  await waitFor(page, "the badge says live", () => document.querySelector(".conn")?.dataset.state === "live");
  await waitFor(page, "AAPL priced", () => /\d/.test(document.querySelector('tr[data-symbol="AAPL"] .last')?.textContent ?? ""));
  await sleep(1500);
  const before = sent.length;
  for (const { ws, server } of routes.splice(0)) {
    await server.close().catch(() => undefined);
    await ws.close().catch(() => undefined);
  }
  await waitFor(page, "the badge says reconnecting", () => /reconnecting|resuming/.test(document.querySelector(".conn")?.dataset.state ?? ""), undefined, 10_000);
  await waitFor(page, "the badge says resumed", () => document.querySelector(".conn")?.dataset.state === "resumed", undefined, 30_000);
  const resume = sent.slice(before).map((m) => JSON.parse(m)).find((m) => m.action === "subscribe" && m.resume);
  assert.ok(resume, `a subscribe with resume was sent: ${sent.slice(before).join("\n")}`);
  assert.ok(Object.keys(resume.resume).some((k) => k.startsWith("market.trades.v1/")), `resume offsets: ${JSON.stringify(resume.resume)}`);
  assert.match(await page.textContent(".conn"), /resumed \(\d+ missed updates? replayed\)/);
  const price = await page.textContent('tr[data-symbol="AAPL"] .last');
  await waitFor(page, "prices moving after the resume", (p) => document.querySelector('tr[data-symbol="AAPL"] .last')?.textContent !== p, price);
  assertNoPageErrors(page);
  await page.context().close();
});

test("keyboard and small screens: shortcuts switch views, a phone-sized page does not overflow", async () => {
  const page = await newPage({ width: 390, height: 844 });
  await page.goto(`${base}/#/watchlist`);
  await waitFor(page, "AAPL priced", () => /\d/.test(document.querySelector('tr[data-symbol="AAPL"] .last')?.textContent ?? ""));
  await page.focus('tr[data-symbol="AAPL"]');
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-symbol")), "MSFT");
  await page.keyboard.press("Enter");
  await page.waitForURL(/#\/chart\/MSFT\/1s$/);
  await page.keyboard.press("o");
  await page.waitForURL(/#\/options\/MSFT/);
  await page.keyboard.press("s");
  await page.waitForURL(/#\/sql$/);
  await page.keyboard.press("d");
  await page.waitForURL(/#\/documents$/);
  await page.waitForSelector(".docs-upload");
  await page.keyboard.press("w");
  await page.waitForURL(/#\/watchlist$/);
  await waitFor(page, "the watchlist again", () => /\d/.test(document.querySelector('tr[data-symbol="AAPL"] .last')?.textContent ?? ""));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
  await screenshot(page, "watchlist-phone");
  await page.goto(`${base}/#/chart/AAPL/1s`);
  await waitFor(page, "the chart on a phone", () => Number(document.querySelector(".price-chart")?.dataset.candles) >= 2);
  const chartOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(chartOverflow <= 1, `the chart page is ${chartOverflow}px wider than a phone`);
  await screenshot(page, "chart-phone");
  assertNoPageErrors(page);
  await page.context().close();
});

test("auth: a gateway that requires a key refuses the app until the user enters one", async () => {
  const server = await startServer({
    env: { FINSTREAM__GATEWAY__AUTH__REQUIRED: "true" },
    // The watchlist's live prices are the trades channel, which needs a trader.
    prepare: async (dataDir) => JSON.parse(await runBinary(["keys", "create", "--role", "trader", "--label", "web e2e", "--data-dir", dataDir])),
  });
  const page = await newPage();
  try {
    await page.goto(`${server.base}/#/watchlist`);
    await waitFor(page, "the badge says the key is refused", () => document.querySelector(".conn")?.dataset.state === "auth", undefined, 30_000);
    await page.click(".conn button");
    await page.fill('dialog input[name="key-id"]', server.setup.key_id);
    await page.fill('dialog input[name="secret"]', server.setup.secret);
    await page.click('dialog button[type="submit"]');
    await waitFor(page, "live with the key", () => document.querySelector(".conn")?.dataset.state === "live", undefined, 30_000);
    await waitFor(page, "AAPL priced with the key", () => /\d/.test(document.querySelector('tr[data-symbol="AAPL"] .last')?.textContent ?? ""));
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("finstream.credentials") ?? "null"));
    assert.equal(stored?.keyId, server.setup.key_id);
    // A trader may not run SQL (analysts may): the server's reason is shown as it is.
    await page.goto(`${server.base}/#/sql`);
    await page.fill("textarea.sql-editor", "SELECT 1");
    await page.click("button.primary");
    await waitFor(page, "the refusal shown", () => !document.querySelector(".error-box")?.hidden, undefined, 30_000);
    assert.match(await page.textContent(".error-box"), /^403 · /);
    // Refused requests before the key was entered (401) and the SQL call (403) are expected.
    assertNoPageErrors(page, [/status of 40[13]/, /WebSocket connection .* failed/]);
  } finally {
    await page.context().close();
    await stopServer(server);
  }
});
