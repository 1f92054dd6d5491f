#!/usr/bin/env node
// Real-browser check of the rendered book: opens every page of the table of
// contents in Debian's headless chromium and checks what a reader would see.
// Usage:
//   node tests/browser/check-site.mjs                 # starts `cargo xtask serve` itself
//   node tests/browser/check-site.mjs --url http://127.0.0.1:3000/ [--site-dir DIR]
// Prints one line per check, then `N passed, N failed`; exits 1 on any failure.
// See tests/browser/README.md.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];
const PAGE_TIMEOUT_MS = 30_000;
const SEARCH_TIMEOUT_MS = 10_000;

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    'site-dir': { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'target', 'browser-check') },
    'server-timeout': { type: 'string', default: '180' },
    timeout: { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  console.log(`usage: node tests/browser/check-site.mjs [options]
  --url URL             check an already-running site instead of starting \`cargo xtask serve\`
  --site-dir DIR        the built site on disk, to find slides/*.html (default: the one
                        \`cargo xtask serve\` serves, when started here; with --url,
                        only decks linked or listed by the server)
  --out DIR             where screenshots go (default: target/browser-check)
  --server-timeout S    how long to wait for \`cargo xtask serve\` to answer (default 180)
  --timeout S           hard limit for the whole run (default 600)`);
  process.exit(0);
}

// ---------------------------------------------------------------- results

let passed = 0;
let failed = 0;
let finishing = false; // once set (interrupt, --timeout), checks still winding down stay silent
function ok(subject, detail) {
  if (finishing) return;
  passed++;
  console.log(`ok   ${subject}: ${detail}`);
}
function fail(subject, reason) {
  if (finishing) return;
  failed++;
  console.log(`FAIL ${subject}: ${reason}`);
}
function check(subject, allProblems, okDetail) {
  // The same problem twice (a broken image shown twice, say) is one line with a count.
  const counts = new Map();
  for (const problem of allProblems) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  const problems = [...counts].map(([problem, n]) => (n > 1 ? `${problem} (${n}x)` : problem));
  if (problems.length === 0) ok(subject, okDetail);
  else fail(subject, problems.length === 1 ? problems[0] : `${problems.length} problems:\n       - ${problems.join('\n       - ')}`);
}
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- cleanup

const cleanups = [];
async function finish(code) {
  if (finishing) return;
  finishing = true;
  for (const cleanup of cleanups.reverse()) {
    try { await cleanup(); } catch { /* best effort */ }
  }
  if (existsSync(opts.out) && readdirSync(opts.out).some((f) => f.endsWith('.png'))) {
    console.log(`screenshots: ${opts.out}/`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed > 0 ? 1 : 0));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { fail('check-site', `interrupted by ${signal}`); finish(1); });
}
const watchdog = setTimeout(() => {
  fail('check-site', `gave up after the --timeout of ${opts.timeout} s`);
  finish(1);
}, Number(opts.timeout) * 1000);
watchdog.unref();

// ---------------------------------------------------------------- the server

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cargo xtask serve` in a process group of its own; once the URL it
 * prints answers, resolves to that URL (under book.toml's site-url path, as
 * GitHub Pages serves the site) and the site directory it serves (book.toml's
 * build-dir).
 */
async function startServer() {
  const port = await freePort();
  let url = null;
  let siteDir = null;
  console.log(`starting: cargo xtask serve --no-watch --port ${port} (waiting up to ${opts['server-timeout']} s)`);
  const server = spawn('cargo', ['xtask', 'serve', '--no-watch', '--port', String(port)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    // anyhow's error backtraces would bury the error itself; panics keep theirs.
    env: { ...process.env, RUST_LIB_BACKTRACE: '0' },
  });
  let log = '';
  let exited = null;
  const keep = (chunk) => {
    if (log.length < 100_000) log += chunk;
    const serving = log.match(/serving the book on (http:\/\/\S+) from (.+) \(ctrl-c stops\)/);
    url ??= serving?.[1] ?? null;
    siteDir ??= serving?.[2] ?? null;
  };
  const head = () => {
    const lines = log.trim().split('\n');
    return lines.slice(0, 30).join('\n') + (lines.length > 30 ? `\n... (${lines.length - 30} more lines)` : '');
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  server.on('exit', (code, signal) => { exited = signal ?? `exit code ${code}`; });
  server.on('error', (error) => { exited = error.message; });
  const stop = () => {
    if (exited !== null) return;
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
  };
  process.on('exit', stop); // also if the script dies without reaching finish()
  cleanups.push(async () => {
    stop();
    for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
    if (exited === null) { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } }
  });
  const deadline = Date.now() + Number(opts['server-timeout']) * 1000;
  const started = Date.now();
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`cargo xtask serve stopped (${exited}) before answering:\n${head()}`);
    if (url === null) { await sleep(500); continue; }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) {
        console.log(`server answered on ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return { url, siteDir };
      }
    } catch { /* not listening yet */ }
    await sleep(500);
  }
  throw new Error(`cargo xtask serve did not answer on ${url ?? `port ${port}`} within ${opts['server-timeout']} s:\n${head()}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- helpers

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const isLoopback = (url) => {
  try {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return LOOPBACK.test(hostname);
  } catch { return true; }
};
const pageName = (url, base) => decodeURIComponent(new URL(url).pathname.slice(new URL(base).pathname.length)) || 'index.html';
const shotName = (name) => name.replace(/\.html$/, '').replace(/[^A-Za-z0-9._-]+/g, '_') + '.png';

/** Fetches each same-origin URL once: its HTTP status and the ids/names its HTML defines. */
const targets = new Map();
function fetchTarget(url) {
  if (!targets.has(url)) {
    targets.set(url, (async () => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
        const type = response.headers.get('content-type') || '';
        const body = type.includes('html') ? await response.text() : (await response.arrayBuffer(), '');
        const ids = new Set();
        for (const m of body.matchAll(/\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
          ids.add(decodeEntities(m[1] ?? m[2] ?? m[3]));
        }
        return { status: response.status, ids };
      } catch (error) {
        return { status: 0, error: error.cause?.code || error.message, ids: new Set() };
      }
    })());
  }
  return targets.get(url);
}
const decodeEntities = (s) => s
  .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
  .replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  .replace(/&amp;/g, '&');

/**
 * Records, for one browser page, console errors, uncaught exceptions, failed
 * loopback requests and (blocked) requests to other hosts.
 */
function watch(page, blocked) {
  const seen = { console: [], failedRequests: [], external: [], closed: false };
  page.on('console', (message) => {
    if (seen.closed || message.type() !== 'error') return;
    const where = message.location()?.url || '';
    // Requests to other hosts are aborted on purpose and reported on their own.
    if (where && !isLoopback(where)) return;
    if ([...blocked].some((url) => message.text().includes(url))) return;
    // A failed load is reported once, by the request listeners below, with its URL.
    if (message.text().startsWith('Failed to load resource')) return;
    seen.console.push(`console error: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => {
    if (!seen.closed) seen.console.push(`uncaught exception: ${error.message}`);
  });
  page.on('response', (response) => {
    if (seen.closed || !isLoopback(response.url())) return;
    if (response.status() >= 400) seen.failedRequests.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    if (seen.closed) return;
    if (!isLoopback(request.url())) seen.external.push(request.url());
    else seen.failedRequests.push(`${request.failure()?.errorText || 'failed'} for ${request.url()}`);
  });
  return seen;
}

/**
 * The one request to another host a page makes: mdBook's book.js asks the
 * Rust playground which crates it has, on pages with runnable blocks, to
 * decide which Run buttons can work. The machine is offline, so the route
 * below answers it with the crates the book's runnable blocks may use
 * (mdsnippets' PLAYGROUND_CRATES); online readers get the playground's list.
 */
const PLAYGROUND_CRATE_LIST = 'https://play.rust-lang.org/meta/crates';
const PLAYGROUND_CRATES = ['tokio', 'futures', 'rayon'];

function reportWatch(subject, seen) {
  const problems = [...seen.console, ...seen.failedRequests];
  check(`${subject}`, problems, 'no console errors, no failed requests');
  const external = [...new Set(seen.external)];
  check(`${subject}`, external.map((u) => `needs an external resource (blocked, the machine is offline): ${u}`),
    'loads nothing from outside the site');
}

// ---------------------------------------------------------------- the checks

/** The chapter pages the sidebar links to (mdBook 0.5 fills it from toc.js), drafts skipped. */
async function discoverPages(context, base) {
  const page = await context.newPage();
  try {
    await page.goto(base, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    await page.waitForSelector('#mdbook-sidebar a[href], .sidebar a[href], nav a[href]', { timeout: PAGE_TIMEOUT_MS, state: 'attached' });
    const toc = await page.evaluate(() => {
      const sidebar = document.querySelector('mdbook-sidebar-scrollbox') || document.querySelector('#mdbook-sidebar') || document.querySelector('.sidebar');
      const items = [...sidebar.querySelectorAll('li.chapter-item')];
      // A draft chapter is an entry whose link wrapper holds a bare <span>, no <a>.
      const drafts = items.filter((li) => {
        const own = li.querySelector(':scope > .chapter-link-wrapper');
        return own !== null && own.querySelector('a[href]') === null;
      }).length;
      return { links: [...sidebar.querySelectorAll('a[href]')].map((a) => a.href), drafts };
    });
    const pages = [];
    for (const link of toc.links) {
      const url = new URL(link);
      url.hash = '';
      url.search = '';
      if (url.origin !== new URL(base).origin || !url.pathname.endsWith('.html')) continue;
      if (!pages.includes(url.href)) pages.push(url.href);
    }
    return { pages, drafts: toc.drafts };
  } finally {
    await page.close();
  }
}

/** Words worth searching for: from the page's h1, then its first paragraph, longest first. */
const STOP = new Set('about after again against among and another because been before being between both but cannot could does doing down during each every from further have having here how into itself just more most much must only other over same should since some such than that their them then there these they this those through under until very what when where which while with within would your'.split(' '));
function searchWords(h1, paragraph) {
  const words = (text) => [...new Set((text || '').toLowerCase().match(/[a-z][a-z-]{3,}[a-z]/g) || [])]
    .filter((w) => !STOP.has(w) && !w.includes('-'))
    .sort((a, b) => b.length - a.length);
  return [...new Set([...words(h1), ...words(paragraph)])].slice(0, 4);
}

async function checkSearch(page, name, url) {
  const { h1, paragraph } = await page.evaluate(() => ({
    h1: document.querySelector('main h1')?.textContent ?? '',
    paragraph: document.querySelector('main p')?.textContent ?? '',
  }));
  const words = searchWords(h1, paragraph);
  if (words.length === 0) return fail(`${name}`, 'search: no word to search for in the h1 or first paragraph');
  const target = new URL(url).pathname;
  const tried = [];
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('body').click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
  await page.keyboard.press('Escape');
  await page.keyboard.press('s');
  const bar = page.locator('#mdbook-searchbar, #searchbar').first();
  try {
    await bar.waitFor({ state: 'visible', timeout: SEARCH_TIMEOUT_MS });
  } catch {
    return fail(`${name}`, 'search: pressing `s` did not open the search bar');
  }
  for (const word of words) {
    await bar.fill('');
    await bar.pressSequentially(word, { delay: 20 });
    let hrefs = [];
    try {
      await page.waitForFunction((term) => {
        const header = document.querySelector('#mdbook-searchresults-header, #searchresults-header');
        return header && header.textContent.includes(term);
      }, word, { timeout: SEARCH_TIMEOUT_MS });
      hrefs = await page.$$eval('#mdbook-searchresults a[href], #searchresults a[href]', (as) => as.map((a) => a.href));
    } catch { /* no results header: counted as no results */ }
    if (hrefs.some((href) => new URL(href).pathname === target)) {
      return ok(`${name}`, `search for "${word}" lists this page (${plural(hrefs.length, 'result')})`);
    }
    tried.push(`"${word}" (${plural(hrefs.length, 'result')}, none for this page)`);
  }
  fail(`${name}`, `search never listed this page: tried ${tried.join(', ')}`);
}

// Every slide is readable as projected: nothing runs past the slide's bottom
// (Marp clips it) and no code block was shrunk to fit (Marp's auto-scaling
// makes a long block legible only from the front row). `cargo xtask slides`
// spreads long sections over several slides from height estimates; this is
// where those estimates meet the real layout.
async function checkSlidesFit(page, name) {
  const problems = await page.evaluate(() => [...document.querySelectorAll('section')].flatMap((section, index) => {
    const box = section.getBoundingClientRect();
    const scale = box.height / section.offsetHeight || 1;
    const title = (section.querySelector('h1, h2, h3')?.textContent ?? '').trim();
    const where = `slide ${index + 1} "${title}"`;
    const found = [];
    const limit = section.offsetHeight - parseFloat(getComputedStyle(section).paddingBottom) / 2;
    let bottom = 0;
    for (const child of section.children) {
      if (child.tagName === 'HEADER' || child.tagName === 'FOOTER') continue;
      bottom = Math.max(bottom, (child.getBoundingClientRect().bottom - box.top) / scale);
    }
    if (bottom > limit) found.push(`${where}: content runs ${Math.round(bottom - limit)} px past the slide's bottom`);
    for (const code of section.querySelectorAll('marp-pre code, pre code')) {
      const shrink = code.getBoundingClientRect().height / scale / code.offsetHeight;
      if (shrink < 0.97) found.push(`${where}: a code block is shrunk to ${Math.round(shrink * 100)}% to fit`);
    }
    return found;
  }));
  if (problems.length === 0) ok(name, 'every slide fits without shrinking its code');
  for (const problem of problems) {
    fail(name, `${problem}: lower the height estimates in xtask/src/slides.rs (SLIDE_BODY_PX and friends), then run \`cargo xtask slides\``);
  }
}

// The rules of a presentable deck, on the rendered slides: every slide
// shows something besides its heading and has speaker notes; a section takes
// at most about one slide per minute of its budget (the first slide's notes
// start with "N min."); no code block is a fragment cut from a listing.
async function checkSlideRules(page, name) {
  const problems = await page.evaluate(() => {
    const sections = [...document.querySelectorAll('section')];
    const notes = new Map();
    document.querySelectorAll('.bespoke-marp-note').forEach((note, i) => {
      notes.set(Number(note.dataset.index ?? i), note.textContent.trim());
    });
    const found = [];
    const groups = [];
    sections.forEach((section, index) => {
      const title = (section.querySelector('h1, h2, h3')?.textContent ?? '').trim();
      const where = `slide ${index + 1} "${title}"`;
      const content = [...section.children].filter((child) => !/^(H1|H2|H3|HEADER|FOOTER|STYLE)$/.test(child.tagName));
      if (!content.some((child) => child.textContent.trim() || child.querySelector('img, svg'))) {
        found.push(`${where}: shows only its heading`);
      }
      const note = notes.get(index) ?? '';
      if (!note) found.push(`${where}: has no speaker notes`);
      const base = title.replace(/ \(\d+\/\d+\)$/, '').replace(/: (Predict|Answer|Solution|Details)$/, '');
      const last = groups[groups.length - 1];
      if (last && last.base === base) last.count += 1;
      else groups.push({ base, count: 1, minutes: Number(/^(\d+) min\./.exec(note)?.[1] ?? 0), first: index + 1 });
      // A listing is shown whole, or its start with a pointer to the book,
      // always from its first line: a block that starts indented or with a
      // closing bracket is a fragment cut from the middle of one.
      for (const code of section.querySelectorAll('code.language-rust')) {
        const first = code.textContent.split('\n').find((line) => line.trim()) ?? '';
        if (/^\s|^[})\]]/.test(first)) {
          found.push(`${where}: a code block starts mid-listing ("${first.trim().slice(0, 40)}")`);
        }
      }
    });
    for (const group of groups) {
      if (group.minutes && group.count > Math.max(group.minutes, 2)) {
        found.push(`slides ${group.first}–${group.first + group.count - 1} "${group.base}": ${group.count} slides for ${group.minutes} min`);
      }
    }
    return found;
  });
  if (problems.length === 0) ok(name, 'every slide has content and notes, and each section fits its minutes');
  for (const problem of problems) {
    fail(name, `${problem}: see "Decks" in README.md, then run \`cargo xtask slides\``);
  }
}

// Every image of the page has loaded (lazy ones are made eager first).
async function checkImages(page, name) {
  const images = await page.evaluate(async () => {
    const imgs = [...document.images];
    imgs.forEach((img) => { img.loading = 'eager'; });
    await Promise.all(imgs.map((img) => (img.complete ? null : new Promise((resolve) => {
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
      setTimeout(resolve, 10_000);
    }))));
    return imgs.map((img) => ({ src: img.currentSrc || img.src || img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0 }));
  });
  check(name, images.filter((img) => !img.ok).map((img) => `image did not load: ${img.src}`),
    images.length ? `${plural(images.length, 'image')} loaded` : 'no images');
}

// Opens `url` in `page`; on failure reports why (as `what`: page or deck) and returns false.
async function open(page, url, name, what) {
  // Chromium refuses an empty error page outright: ask HTTP first for a clear reason.
  const head = await fetchTarget(url);
  if (head.status !== 200) {
    fail(name, `cannot open the ${what}: ${head.status ? `HTTP ${head.status}` : head.error}`);
    return false;
  }
  const response = await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
  if (!response || response.status() !== 200) {
    fail(name, `HTTP ${response?.status() ?? 'no response'} when opening the ${what}`);
    return false;
  }
  return true;
}

/**
 * A missing page deep under the site: HTTP 404 with the book's own 404 page,
 * whose stylesheets, scripts and links resolve (mdBook makes them absolute
 * from book.toml's site-url, which must match the path the site is served under).
 */
async function checkNotFound(context, base, blocked) {
  const name = '404.html';
  const url = new URL('no-such-chapter/nested/page.html', base).href;
  const page = await context.newPage();
  const seen = watch(page, blocked);
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    const problems = [];
    if (response?.status() !== 404) problems.push(`${url} answered HTTP ${response?.status() ?? 'nothing'}, not 404`);
    const sheets = await page.evaluate(() => [...document.styleSheets].filter((sheet) => {
      try { return sheet.cssRules.length > 0; } catch { return false; }
    }).length);
    if (sheets === 0) problems.push('no stylesheet applied: its links do not resolve under the served path (check site-url in book.toml)');
    const links = await page.$$eval('#mdbook-sidebar a[href], nav a[href], .sidebar a[href]', (as) => as.map((a) => a.href));
    const inside = links.filter((href) => href.startsWith(base));
    if (links.length === 0) problems.push('the 404 page shows no table of contents');
    for (const href of inside.slice(0, 3)) {
      const target = await fetchTarget(href.split('#')[0]);
      if (target.status !== 200) problems.push(`its link ${href} answers HTTP ${target.status || target.error}`);
    }
    if (links.length > 0 && inside.length === 0) problems.push(`its links leave the site's path ${new URL(base).pathname}: ${links[0]}`);
    seen.closed = true;
    // The page's own 404 is the point; anything else failing is not.
    seen.failedRequests = seen.failedRequests.filter((line) => !line.endsWith(url));
    check(name, problems, `a missing page deep under ${new URL(base).pathname} gets the book's 404 page, styled, with working links`);
    reportWatch(name, seen);
  } finally {
    seen.closed = true;
    await page.close();
  }
}

async function checkPage(context, base, url, blocked) {
  const name = pageName(url, base);
  const page = await context.newPage();
  const seen = watch(page, blocked);
  try {
    if (!(await open(page, url, name, 'page'))) return;

    // (b) code blocks
    const code = await page.$$eval('pre', (pres) => pres.map((pre) => {
      const code = pre.querySelector('code');
      return { hasCode: !!code, text: (code ?? pre).textContent.trim(), line: (code ?? pre).textContent.trim().split('\n')[0].slice(0, 60) };
    }));
    const codeProblems = code
      .map((block, i) => (block.text === '' ? `code block ${i + 1} of ${code.length} is empty` : null))
      .filter(Boolean);
    if (/^ch/.test(name) && code.length === 0) {
      codeProblems.push('a chapter page with no code block (a missing include renders nothing)');
    }
    check(name, codeProblems, code.length ? `${plural(code.length, 'code block')} non-empty` : 'no code blocks (none needed)');
    // Run buttons exactly on the blocks marked ```rust,mdbook-runnable (complete
    // programs on the playground's crates); every other block is a part of
    // chapters-code, which the playground cannot build.
    // book.js shows a Run button once the playground's crate list has come.
    const shown = () => [...document.querySelectorAll('pre.playground')].every((pre) => {
      const button = pre.querySelector('.play-button');
      return button && !button.classList.contains('hidden');
    });
    await page.waitForFunction(shown, null, { timeout: 5_000 }).catch(() => { /* reported below */ });
    const playground = await page.$$eval('pre', (pres) => pres.map((pre) => {
      const button = pre.querySelector('.play-button');
      return {
        marked: !!pre.querySelector('code.mdbook-runnable'),
        runnable: pre.classList.contains('playground') && !!button && !button.classList.contains('hidden'),
        line: pre.textContent.trim().split('\n')[0].slice(0, 60),
      };
    }));
    const runMismatch = playground
      .filter((block) => block.marked !== block.runnable)
      .map((block) => (block.marked ? `a block marked runnable shows no Run button ("${block.line}")` : `a block not marked runnable has a Run button ("${block.line}")`));
    const runnable = playground.filter((block) => block.runnable).length;
    check(name, runMismatch, runnable ? `${plural(runnable, 'runnable block')}, every other block without a Run button` : 'no Run button (no complete playground program here)');
    // A listing the reader must scroll sideways is one nobody reads whole.
    const wide = await page.$$eval('main pre', (pres) => pres
      .filter((pre) => !pre.closest('details.notes'))
      .map((pre) => ({ over: pre.scrollWidth - pre.clientWidth, line: pre.textContent.trim().split('\n')[0].slice(0, 60) }))
      .filter((block) => block.over > 1));
    check(name, wide.map((block) => `a code block scrolls ${block.over} px sideways ("${block.line}"): wrap its lines to ${80} characters`),
      'no code block scrolls sideways');

    // (c) images, lazy ones included
    await checkImages(page, name);

    // (d) internal links, fragments included
    const links = await page.$$eval('a[href]', (as) => as.map((a) => ({ href: a.href, raw: a.getAttribute('href') })));
    const origin = new URL(base).origin;
    const ownIds = new Set(await page.$$eval('[id], a[name]', (els) => els.flatMap((el) => [el.id, el.getAttribute('name')]).filter(Boolean)));
    const linkProblems = [];
    let internal = 0;
    await Promise.all(links.map(async ({ href, raw }) => {
      let target;
      try { target = new URL(href); } catch { linkProblems.push(`unparsable link: ${raw}`); return; }
      if (target.origin !== origin || !/^https?:$/.test(target.protocol)) return;
      internal++;
      const fragment = decodeURIComponent(target.hash.slice(1));
      const doc = new URL(target.href);
      doc.hash = '';
      doc.search = '';
      const samePage = doc.href === new URL(url).href && raw.startsWith('#');
      const info = samePage ? { status: 200, ids: ownIds } : await fetchTarget(doc.href);
      if (info.status !== 200) {
        linkProblems.push(`link ${raw} -> ${info.status ? `HTTP ${info.status}` : info.error} (${doc.href})`);
      } else if (fragment && fragment !== 'top' && !info.ids.has(fragment)) {
        linkProblems.push(`link ${raw}: no element with id "${fragment}" on ${pageName(doc.href, base)}`);
      }
    }));
    check(name, linkProblems, `${plural(internal, 'internal link')} resolve`);

    // (f) screenshot, before the search UI covers the page
    const shot = path.join(opts.out, shotName(name));
    await page.screenshot({ path: shot, fullPage: true, timeout: PAGE_TIMEOUT_MS });
    ok(name, `screenshot ${path.relative(ROOT, shot)}`);

    // (e) search
    await checkSearch(page, name, url);

    // (a) everything the page did meanwhile
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
    seen.closed = true;
    reportWatch(name, seen);
  } catch (error) {
    fail(name, `check stopped: ${error.message.split('\n')[0]}`);
  } finally {
    seen.closed = true;
    await page.close().catch(() => {});
  }
}

/** Slide decks: linked from the pages, listed by the server, or on disk under the site's slides/. */
async function discoverDecks(base, pages, siteDir) {
  const decks = new Set();
  const slidesUrl = new URL('slides/', base).href;
  // links to decks from any page
  for (const page of pages) {
    try {
      const html = await (await fetch(page, { signal: AbortSignal.timeout(15_000) })).text();
      for (const m of html.matchAll(/href\s*=\s*["']([^"'#?]*slides\/[^"'#?/]+\.html)/gi)) {
        decks.add(new URL(m[1], page).href);
      }
    } catch { /* the page check reports it */ }
  }
  // a directory listing, if the server gives one (python -m http.server does; ServeDir does not)
  try {
    const response = await fetch(slidesUrl, { signal: AbortSignal.timeout(15_000) });
    if (response.ok && (response.headers.get('content-type') || '').includes('html')) {
      for (const m of (await response.text()).matchAll(/href\s*=\s*["']([^"'#?/]+\.html)["']/gi)) {
        decks.add(new URL(m[1], slidesUrl).href);
      }
    }
  } catch { /* no listing */ }
  if (siteDir && existsSync(path.join(siteDir, 'slides'))) {
    for (const file of readdirSync(path.join(siteDir, 'slides'))) {
      if (file.endsWith('.html')) decks.add(new URL(encodeURIComponent(file), slidesUrl).href);
    }
  }
  return [...decks].sort();
}

async function checkDeck(context, base, url, blocked) {
  const name = pageName(url, base);
  const page = await context.newPage();
  const seen = watch(page, blocked);
  try {
    if (!(await open(page, url, name, 'deck'))) return;
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
    // Marp's bespoke template: one svg[data-marpit-svg] per slide, the shown one has
    // .bespoke-marp-active, and the location hash is the slide number (#1, #2, ...).
    const state = () => page.evaluate(() => {
      const slides = [...document.querySelectorAll('svg[data-marpit-svg], .bespoke-marp-slide, section')];
      const active = document.querySelector('.bespoke-marp-active');
      return { hash: location.hash, active: active ? slides.indexOf(active) : -1, count: document.querySelectorAll('svg[data-marpit-svg]').length || slides.length };
    });
    const before = await state();
    if (before.count < 2) {
      ok(name, `${plural(before.count, 'slide')}: nothing to step to`);
    } else {
      await page.locator('body').click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
      const afterClick = await state(); // a click may advance already in some templates
      await page.keyboard.press('ArrowRight');
      let after = afterClick;
      for (let i = 0; i < 30; i++) {
        after = await state();
        if (after.hash !== afterClick.hash || after.active !== afterClick.active) break;
        await sleep(100);
      }
      if (after.hash !== afterClick.hash || after.active !== afterClick.active) {
        ok(name, `ArrowRight moves to the next slide (${afterClick.hash || `#${afterClick.active + 1}`} -> ${after.hash || `#${after.active + 1}`}, ${before.count} slides)`);
      } else {
        fail(name, `ArrowRight did not change the slide (hash "${after.hash}", active slide ${after.active + 1} of ${before.count})`);
      }
    }
    // Speaker notes are what an instructor teaches from: every deck generated
    // from a chapter has them (Marp keeps one .bespoke-marp-note per slide).
    const notes = await page.evaluate(() => [...document.querySelectorAll('.bespoke-marp-note')]
      .filter((note) => note.textContent.trim().length > 0).length);
    if (notes > 0) ok(name, `${plural(notes, 'slide')} with speaker notes`);
    else fail(name, 'no speaker notes in the deck (expected .bespoke-marp-note elements with text)');
    await checkSlidesFit(page, name);
    await checkSlideRules(page, name);
    await checkImages(page, name);
    const shot = path.join(opts.out, `slides_${shotName(path.posix.basename(name))}`);
    await page.screenshot({ path: shot, timeout: PAGE_TIMEOUT_MS });
    ok(name, `screenshot ${path.relative(ROOT, shot)}`);
    seen.closed = true;
    reportWatch(name, seen);
  } catch (error) {
    fail(name, `check stopped: ${error.message.split('\n')[0]}`);
  } finally {
    seen.closed = true;
    await page.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  // Checked before the server starts, imported after: `cargo xtask book` may run
  // `npm ci`, which replaces node_modules/ while it builds.
  if (!existsSync(path.join(ROOT, 'node_modules', 'playwright-core', 'package.json'))) {
    throw new Error('playwright-core is not installed: run `bash tests/browser/install.sh`');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash tests/browser/install.sh\``);

  let base;
  let siteDir = opts['site-dir'] ? path.resolve(opts['site-dir']) : null;
  if (opts.url) {
    base = new URL(opts.url).href;
    if (!base.endsWith('/')) base += '/';
  } else {
    const served = await startServer();
    base = served.url;
    siteDir ??= served.siteDir;
  }

  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (error) {
    throw new Error(`cannot load playwright-core (${error.message}): run \`bash tests/browser/install.sh\``);
  }

  mkdirSync(opts.out, { recursive: true });
  for (const file of readdirSync(opts.out)) if (file.endsWith('.png')) rmSync(path.join(opts.out, file));

  const profile = mkdtempSync(path.join(tmpdir(), 'check-site-chromium-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
    // Our own handlers close the browser, stop the server and print the summary.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => context.close());
  const version = context.browser()?.version() ?? '';
  console.log(`browser: ${CHROMIUM}${version ? ` (${version})` : ''}, site: ${base}`);

  // Offline machine: only loopback may be fetched; the rest is aborted and counted.
  const blocked = new Set();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    if (url === PLAYGROUND_CRATE_LIST) {
      return route.fulfill({
        json: { crates: PLAYGROUND_CRATES.map((id) => ({ id, name: id, version: '*' })) },
        headers: { 'access-control-allow-origin': '*' },
      });
    }
    blocked.add(url);
    return route.abort('blockedbyclient');
  });

  const { pages, drafts } = await discoverPages(context, base);
  if (pages.length === 0) {
    fail('index.html', 'the table of contents links to no page');
  } else {
    ok('index.html', `table of contents links ${plural(pages.length, 'page')} (${plural(drafts, 'draft')} without a page skipped)`);
  }
  for (const url of pages) await checkPage(context, base, url, blocked);
  await checkNotFound(context, base, blocked);

  const decks = await discoverDecks(base, pages, siteDir);
  if (decks.length === 0) console.log('note: no slide decks found (slides/*.html); nothing to check there yet');
  for (const url of decks) await checkDeck(context, base, url, blocked);

  console.log(`checked ${plural(pages.length, 'page')} and ${plural(decks.length, 'deck')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().then(() => finish(), (error) => {
  fail('check-site', error.message);
  finish(1);
});
