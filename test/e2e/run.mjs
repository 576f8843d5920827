#!/usr/bin/env node
// End-to-end test of the extension in real VS Code builds (code-server), driven by playwright-core
// and Debian's chromium on 127.0.0.1. For each installed code-server (test/e2e/install.sh): install
// our .vsix, then, as named steps each with a screenshot:
//   problems  F5 on a file with assembler errors lists them in the Problems panel;
//   debug     open e2e.asm, click the gutter, F5, paused on that line, EAX in Variables, a data
//             breakpoint at an address and an I/O-port breakpoint with a hit condition, continue to
//             each stop with its reason, step; the VM Breakpoints view lists the machine's
//             breakpoints (kind, hits, window) and its disable/enable/remove act on the machine;
//             the extension host answers command probes within 100 ms (median) while the guest
//             spins; stop the session;
//   screen    examples/vga.asm paused before it exits: the VM Screen webview shows its VGA text;
//   keys      a key typed into the VM Screen reaches the guest's keyboard controller (it shows the
//             scancode on the screen);
//   serial    examples/serial.asm: text typed into the guest terminal reaches COM1 and is echoed.
// Every wait is on a condition (with a generous deadline for loaded machines); steps where the UI
// is known to be racy get one clear retry, logged as such. Screenshots and results.json go to
// test/e2e/artifacts/<version>/ (readme-*.png: the crops docs/screenshots/ are made from). Any
// missing step fails the run (exit 1); code-server and chromium are always killed.
//
// Usage: node test/e2e/run.mjs [--version 4.100.3] [--parts problems,debug,screen,keys,serial]
//                              [--headed] [--keep]
// Env: X86VM_E2E_HOME (default /opt/x86vm-e2e), X86VM_E2E_VSIX (default ./x86-vm-debug.vsix).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync, existsSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const home = process.env.X86VM_E2E_HOME ?? '/opt/x86vm-e2e';
const vsix = resolve(process.env.X86VM_E2E_VSIX ?? join(root, 'x86-vm-debug.vsix'));
const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const onlyVersion = opt('--version');
const ALL_PARTS = ['problems', 'debug', 'screen', 'keys', 'serial'];
const parts = new Set(opt('--parts') ? opt('--parts').split(',') : ALL_PARTS);
for (const p of parts) if (!ALL_PARTS.includes(p)) { console.error(`e2e: unknown part ${p} (parts: ${ALL_PARTS.join(', ')})`); process.exit(2); }
const headed = argv.includes('--headed');
const keep = argv.includes('--keep');
/** The issue's figure: the extension host answers a command within this many ms (median of probes). */
const RESPONSIVE_MS = 100;

const files = {
  'e2e.asm': join(root, 'test/e2e/fixtures/e2e.asm'),
  'bad.asm': join(root, 'test/e2e/fixtures/bad.asm'),
  'keys.asm': join(root, 'test/e2e/fixtures/keys.asm'),
  'vga.asm': join(root, 'examples/vga.asm'),
  'serial.asm': join(root, 'examples/serial.asm'),
};
/** 1-based line of the first line of `file` matching `re`. */
const lineIn = (file, re) => {
  const n = readFileSync(files[file], 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;
  if (n === 0) throw new Error(`${file}: no line matches ${re}`);
  return n;
};
const lineOf = (marker) => lineIn('e2e.asm', new RegExp(`; ${marker}\\b`));

function log(...a) { console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws `what` (or fn's last error) after `ms`. */
async function until(what, fn, ms = 30000, every = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = undefined;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? await what() : what}${last ? ` (${last.message ?? last})` : ''}`);
    await sleep(every);
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

function installed() {
  if (!existsSync(home)) return [];
  return readdirSync(home).filter((d) => d.startsWith('code-server-') && existsSync(join(home, d, '.done')))
    .map((d) => d.slice('code-server-'.length)).filter((v) => !onlyVersion || v === onlyVersion).sort();
}

function runtimeFor(version) {
  const minor = Number(version.split('.')[1]);
  const node = minor >= 101 ? join(home, 'node24/bin/node') : process.execPath;
  const entry = join(home, `code-server-${version}`, 'node_modules/code-server/out/node/entry.js');
  return { node, entry };
}

/** Kills a process group (code-server and its extension host, file watcher, pty host). */
function killTree(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const done = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } res(); }, 5000);
    child.once('exit', () => { clearTimeout(done); try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } res(); });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { clearTimeout(done); res(); }
  });
}

async function testVersion(version) {
  const { node, entry } = runtimeFor(version);
  const art = join(root, 'test/e2e/artifacts', version);
  rmSync(art, { recursive: true, force: true });
  mkdirSync(art, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), `x86vm-e2e-${version}-`));
  const userData = join(tmp, 'user'), exts = join(tmp, 'extensions'), ws = join(tmp, 'workspace');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(ws, { recursive: true });
  for (const [name, src] of Object.entries(files)) copyFileSync(src, join(ws, name));
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({
    'files.autoSave': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.ignoreRecommendations': true,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'debug.internalConsoleOptions': 'neverOpen',
    'debug.openDebug': 'openOnDebugBreak',
    'debug.showInStatusBar': 'never',
    'x86vm.openScreen': 'never',
    'editor.minimap.enabled': false,
    'window.commandCenter': false,
    // the DOM renderer keeps the terminal's text readable by the test
    'terminal.integrated.gpuAcceleration': 'off',
    'terminal.integrated.enablePersistentSessions': false,
    'workbench.editor.enablePreview': false,
  }, null, 1));
  const results = [];
  const t0 = Date.now();

  // install the .vsix with code-server's own CLI
  const inst = spawnSync(node, [entry, '--user-data-dir', userData, '--extensions-dir', exts, '--install-extension', vsix], { encoding: 'utf8', timeout: 180000 });
  if (inst.status !== 0 || !/successfully installed|was successfully/i.test(inst.stdout + inst.stderr)) {
    throw new Error(`install-extension failed (${inst.status}): ${inst.stdout}${inst.stderr}`);
  }
  results.push({ step: 'install .vsix', ok: true, ms: Date.now() - t0 });
  log(version, 'installed', vsix);

  // start code-server in its own process group, so that everything it starts can be killed
  const port = await freePort();
  const server = spawn(node, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData,
    '--extensions-dir', exts, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', ws], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` } });
  let serverLog = '';
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await killTree(server);
  };
  const onSignal = () => { void cleanup().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await until(() => `code-server to listen:\n${serverLog}`, () => /HTTP server listening/.test(serverLog), 60000, 200);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: !headed,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(60000);
    let shot = 0;
    const slug = (s) => s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
    const snap = async (name) => { await page.screenshot({ path: join(art, `${String(++shot).padStart(2, '0')}-${slug(name)}.png`) }); };
    /** A crop for the README (docs/screenshots/ are made from these). */
    const readmeShot = async (name, clip) => { await page.screenshot({ path: join(art, `readme-${name}.png`), clip }).catch((e) => log(version, 'readme shot', name, e.message)); };
    /**
     * A named step. `retry`: the UI is known to be racy here and the step is idempotent; on a
     * failure it runs once more (after Escape), and the result records the first error.
     */
    const step = async (name, fn, { retry = false } = {}) => {
      const s = Date.now();
      let firstError;
      for (let attempt = 1; ; attempt++) {
        try {
          const detail = await fn(attempt);
          results.push({ step: name, ok: true, ms: Date.now() - s, ...(firstError ? { retried: firstError } : {}), ...(detail ? { detail } : {}) });
          log(version, 'ok  ', name, firstError ? '(after one retry)' : '', detail ? JSON.stringify(detail) : '');
          await snap(name);
          return detail;
        } catch (e) {
          const msg = String(e?.message ?? e);
          if (retry && attempt === 1) {
            firstError = msg.split('\n')[0];
            log(version, 'RETRY', name, firstError);
            await snap('retry-' + name).catch(() => {});
            await page.keyboard.press('Escape').catch(() => {});
            continue;
          }
          results.push({ step: name, ok: false, ms: Date.now() - s, error: msg, ...(firstError ? { retried: firstError } : {}) });
          log(version, 'FAIL', name, msg);
          await snap('FAILED-' + name).catch(() => {});
          throw e;
        }
      }
    };

    const quickInput = page.locator('.quick-input-widget');
    const box = page.locator('.quick-input-widget input').first();
    const boxValue = () => box.inputValue().catch(() => undefined);
    const inputMessage = async () => ((await page.locator('.quick-input-widget .quick-input-message').textContent().catch(() => '')) ?? '').trim();
    /**
     * Runs a command from the palette, then answers the input boxes it opens, in order. Each input
     * is typed once the next box is there (visible and empty); after the last one the box must close.
     */
    const palette = async (command, inputs = []) => {
      if (await quickInput.isVisible().catch(() => false)) {
        await page.keyboard.press('Escape');
        await quickInput.waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {});
      }
      await page.keyboard.press('F1');
      await box.waitFor({ state: 'visible', timeout: 30000 });
      await box.fill('>' + command);
      // Enter runs the first row: wait until the best match is the command itself
      const first = page.locator('.quick-input-list .monaco-list-row').first();
      await until(async () => `"${command}" as the palette's first row (it shows "${await first.textContent().catch(() => '')}")`, async () => {
        const t = (await first.textContent().catch(() => '')) ?? '';
        return (await boxValue()) === '>' + command && (t.startsWith(command) || t.includes(': ' + command));
      }, 30000);
      await page.keyboard.press('Enter');
      for (const text of inputs) {
        await until(async () => `an input box for "${text}" after "${command}" (box value "${await boxValue()}")`, async () =>
          (await quickInput.isVisible()) && (await boxValue()) === '', 30000);
        await box.fill(text);
        await page.keyboard.press('Enter');
        // accepted: the box closes or the next one opens empty; refused: it stays with our text and a message
        await until(async () => `"${text}" to be accepted (message: "${await inputMessage()}")`, async () =>
          !(await quickInput.isVisible()) || (await boxValue()) !== text, 30000);
      }
    };
    const openFile = async (name) => {
      // from the Explorer (Quick Open's file search can be slow to index on first start)
      const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: new RegExp(`^\\s*${name.replace('.', '\\.')}\\s*$`) }).first();
      if (!(await item.isVisible().catch(() => false))) await palette('View: Show Explorer');
      await item.waitFor({ timeout: 30000 });
      await item.dblclick();
      await page.locator('.editor-group-container .tab.active', { hasText: name }).first().waitFor({ timeout: 30000 });
      await editorLines().waitFor({ timeout: 30000 });
    };
    const editorLines = () => page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    const failOnDialog = async () => {
      const dialog = page.locator('.monaco-dialog-box');
      if (await dialog.isVisible().catch(() => false)) throw new Error(`error dialog: ${(await dialog.textContent().catch(() => ''))?.replace(/^Cancel.*?json'/, '').trim()}`);
    };
    const callStackState = async () => (await page.locator('.call-stack-state-message:not([hidden]) .label, .debug-call-stack .state.label').allTextContents()).join(' | ');
    const toolbar = page.locator('.debug-toolbar');
    const currentLine = async () => {
      // the editor's top-stack-frame decoration sits on the line the session is paused on
      const deco = page.locator('.editor-group-container .monaco-editor .debug-top-stack-frame-line, .editor-group-container .monaco-editor .margin [class*="codicon-debug-stackframe"], .editor-group-container .monaco-editor .margin .codicon-debug-breakpoint-stackframe').first();
      const box = await deco.boundingBox();
      if (!box) return undefined;
      const nums = await page.locator('.editor-group-container .monaco-editor .line-numbers').evaluateAll((els) =>
        els.map((e) => { const r = e.getBoundingClientRect(); return { n: Number(e.textContent), top: r.top, bottom: r.bottom }; }));
      const mid = box.y + box.height / 2;
      return nums.find((n) => mid >= n.top && mid <= n.bottom)?.n;
    };
    const waitPaused = async (reason, line) => {
      let state = '', at;
      await until(() => `a stop matching ${reason} at line ${line}, call stack says "${state}", editor line ${at}`, async () => {
        await failOnDialog();
        state = await callStackState();
        if (!reason.test(state)) return false;
        at = await currentLine().catch(() => undefined);
        return line === undefined || at === line;
      }, 45000, 200);
      return { state, line: at };
    };
    const clickGutter = async (line) => {
      const num = page.locator('.editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers', { hasText: new RegExp(`^${line}$`) }).first();
      if (!(await num.isVisible().catch(() => false))) {
        // scroll it into view with Go to Line (Quick Open's ':' mode)
        await page.keyboard.press('F1');
        await box.waitFor({ state: 'visible', timeout: 30000 });
        await box.fill(`:${line}`);
        await until('Go to Line to take the line', async () => (await boxValue()) === `:${line}` && /line/i.test((await page.locator('.quick-input-widget').textContent().catch(() => '')) ?? ''), 10000);
        await page.keyboard.press('Enter');
        await quickInput.waitFor({ state: 'hidden', timeout: 10000 });
      }
      await num.waitFor({ timeout: 30000 });
      const b = await num.boundingBox();
      const margin = await page.locator('.editor-group-container.active .monaco-editor .margin').first().boundingBox();
      const x = margin.x + 9, y = b.y + b.height / 2; // the glyph margin is the margin's leftmost strip
      const bp = page.locator('.editor-group-container.active .monaco-editor .margin .codicon-debug-breakpoint, .editor-group-container.active .monaco-editor .margin .codicon-debug-breakpoint-unverified');
      if ((await bp.count()) === 0) {
        await page.mouse.move(x, y);
        // the hover hint appears on the glyph margin first; then the click toggles a breakpoint
        await page.locator('.editor-group-container.active .monaco-editor .margin [class*="codicon-debug-hint"]').first().waitFor({ timeout: 5000 }).catch(() => {});
        await page.mouse.click(x, y);
      }
      await bp.first().waitFor({ timeout: 20000 });
      return { x, y };
    };
    /** F5 in the active editor; waits for the debug toolbar (and answers a debugger picker). */
    const startDebugging = async () => {
      await editorLines().click();
      await page.keyboard.press('F5');
      const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'x86 VM' }).first();
      await until('the debug toolbar', async () => {
        await failOnDialog();
        if (await pick.isVisible().catch(() => false)) await pick.click().catch(() => {});
        return toolbar.isVisible();
      }, 60000, 200);
    };
    const stopDebugging = async () => {
      if (await toolbar.isVisible().catch(() => false)) await page.keyboard.press('Shift+F5');
      await toolbar.waitFor({ state: 'hidden', timeout: 45000 });
    };
    const statusText = async () => ((await page.locator('.statusbar-item', { hasText: /x86 VM/ }).first().textContent({ timeout: 1000 }).catch(() => '')) ?? '').trim();
    const waitStatus = (re) => until(async () => `status bar ${re} (it says "${await statusText()}")`, async () => re.test(await statusText()), 45000, 200);
    const toasts = page.locator('.notification-toast');
    const clearNotifications = async () => {
      if ((await toasts.count()) > 0) await palette('Notifications: Clear All Notifications');
      await until('notifications to clear', async () => (await toasts.count()) === 0, 10000);
    };
    /** "x86 VM: Measure Extension Host Responsiveness": command probes timed inside the extension host. */
    const PROBE_RE = /answered (\d+) command probes: median ([\d.]+) ms, p90 ([\d.]+) ms, max ([\d.]+) ms \(machine ([a-z ]+)\)/;
    const probeHost = async () => {
      await clearNotifications();
      await palette('x86 VM: Measure Extension Host Responsiveness');
      const m = await until('the probe report', async () => {
        for (const t of await toasts.allTextContents()) { const r = PROBE_RE.exec(t); if (r) return r; }
        return false;
      }, 60000, 200);
      return { probes: Number(m[1]), median: Number(m[2]), p90: Number(m[3]), max: Number(m[4]), machine: m[5] };
    };
    const closeEditors = async () => {
      await palette('View: Close All Editor Groups');
      await until('editors to close', async () => (await page.locator('.editor-group-container .tab').count()) === 0, 20000);
    };
    /** The frame of the VM Screen webview (the inner frame of VS Code's webview host). */
    const screenFrame = async () => until('the VM Screen webview', async () => {
      for (const f of page.frames()) if (await f.locator('#screen #rows').count().catch(() => 0)) return f;
      return false;
    }, 45000, 200);
    const screenText = async (f) => ((await f.locator('#rows').innerText().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
    const webviewBox = async () => {
      const frames = page.locator('iframe.webview');
      for (let i = (await frames.count()) - 1; i >= 0; i--) {
        const b = await frames.nth(i).boundingBox().catch(() => null);
        if (b && b.width > 50) return b;
      }
      return undefined;
    };

    await step('open workbench', async () => {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 120000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
      await page.locator('.statusbar').waitFor({ timeout: 60000 });
      // the workspace is loaded when the Explorer lists its files
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'e2e.asm' }).first().waitFor({ timeout: 60000 });
      return { vscode: await page.evaluate(() => document.title) };
    });

    if (parts.has('problems')) {
      await step('assembler errors reach the Problems panel', async () => {
        await openFile('bad.asm');
        const dialog = page.locator('.monaco-dialog-box');
        // the first F5 after start-up can be swallowed while the extension host is still starting
        for (let attempt = 0; attempt < 4 && !(await dialog.isVisible().catch(() => false)); attempt++) {
          await editorLines().click();
          await page.keyboard.press('F5');
          await dialog.waitFor({ timeout: 15000 }).catch(() => {});
        }
        await dialog.waitFor({ timeout: 5000 });
        const text = (await dialog.textContent())?.trim();
        await dialog.locator('.monaco-button', { hasText: /Cancel|Close|OK/ }).first().click().catch(() => page.keyboard.press('Escape'));
        await dialog.waitFor({ state: 'hidden', timeout: 10000 });
        await palette('View: Focus Problems');
        const rows = page.locator('.markers-panel .monaco-list-row');
        await rows.filter({ hasText: /Ln 6/ }).first().waitFor({ timeout: 30000 });
        const all = (await rows.allTextContents()).map((t) => t.trim());
        if (!all.some((t) => /movv/.test(t) && /x86vm asm/.test(t) && /Ln 5, Col 9/.test(t))) throw new Error(`no "movv" error at Ln 5, Col 9: ${all.join(' / ')}`);
        if (!all.some((t) => /nowhere/.test(t) && /Ln 6, Col 13/.test(t))) throw new Error(`no "nowhere" error at Ln 6, Col 13: ${all.join(' / ')}`);
        if (all.filter((t) => /Ln 5/.test(t)).length !== 1) throw new Error(`an error is listed more than once: ${all.join(' / ')}`);
        return { dialog: text?.slice(0, 120), problems: all };
      });
    }

    if (parts.has('debug')) {
      await step('open e2e.asm', async () => {
        await openFile('e2e.asm');
        const lang = page.locator('.statusbar-item', { hasText: /x86 Assembly|NASM/ }).first();
        await lang.waitFor({ timeout: 45000 });
        return { language: (await lang.textContent())?.trim() };
      }, { retry: true });

      const gutterLine = lineOf('GUTTER');
      await step(`click the gutter on line ${gutterLine}`, () => clickGutter(gutterLine), { retry: true });

      await step('press F5 and stop on the gutter breakpoint', async () => {
        // newer builds do not reveal Run and Debug on F5: show it first (its Call Stack says why we stopped)
        await palette('View: Show Run and Debug');
        await startDebugging();
        return waitPaused(/paused on breakpoint|breakpoint \d+ \((software|hardware|emulator)\)/i, gutterLine);
      });

      await step('read EAX in Variables', async () => {
        const rows = page.locator('.debug-variables .monaco-list-row');
        await rows.first().waitFor({ timeout: 45000 });
        const find = async () => {
          for (const t of await rows.allTextContents()) {
            const m = /^\s*EAX\s*[=:]\s*(\S+)/i.exec(t);
            if (m) return m[1];
          }
          return undefined;
        };
        const value = await until(async () => `an EAX row in Variables: ${(await rows.allTextContents()).slice(0, 20).join(' / ')}`, async () => {
          const v = await find();
          if (v) return v;
          for (const scope of ['Registers', 'General', 'General registers']) {
            const row = rows.filter({ hasText: new RegExp(`^\\s*${scope}`) }).first();
            if (await row.isVisible().catch(() => false) && (await row.getAttribute('aria-expanded')) === 'false') { await row.click(); break; }
          }
          return false;
        }, 30000, 250);
        if (!/12345678/i.test(value) && !/305419896/.test(value)) throw new Error(`EAX shows ${value}, expected 0x12345678`);
        await readmeShot('paused', { x: 0, y: 0, width: 1200, height: 640 });
        return { eax: value };
      }, { retry: true });

      await step('add a data breakpoint at address 0x500 (1 byte)', async () => {
        const row = page.locator('.debug-breakpoints .monaco-list-row', { hasText: /0x0*500/ }).first();
        // VS Code asks for the access type when the adapter offers several: the palette's last input
        // is the address, then a pick of the access type
        await palette('Add Data Breakpoint at Address', ['0x500 + 1']).catch(async (e) => { if (!(await row.isVisible().catch(() => false))) throw e; });
        const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: /^\s*write\s*$/ }).first();
        await until('the data breakpoint in the Breakpoints view', async () => {
          if (await pick.isVisible().catch(() => false)) await pick.click().catch(() => {});
          return row.isVisible();
        }, 30000, 200);
        return { breakpoint: (await row.textContent())?.trim() };
      });

      await step('add an I/O-port breakpoint with hit condition 2', async () => {
        await palette('x86 VM: Add I/O Port Breakpoint', ['0xe9 w', '2']);
        await page.locator('.debug-breakpoints .monaco-list-row', { hasText: /io 0xe9 w/ }).first().waitFor({ timeout: 30000 });
      });

      await step('continue: stop on the data breakpoint', async () => {
        await page.keyboard.press('F5');
        return waitPaused(/\((watch|hardware), write 1 byte at 0x0*500\b/i, lineOf('AFTER-DATA'));
      });

      await step('continue: stop on the I/O-port breakpoint (2nd hit)', async () => {
        await page.keyboard.press('F5');
        return waitPaused(/\(port, write 1 byte port 0x0*e9\b.*hit 2 of (==)?2\b/i, lineOf('AFTER-IO'));
      });

      await step('step over', async () => {
        await page.keyboard.press('F10');
        return waitPaused(/step/i, lineOf('AFTER-IO') + 1);
      });

      // The VM Breakpoints view (Run and Debug): rows read from the machine (x86vm/listBreakpoints)
      const vmPane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'VM Breakpoints' }) }).first();
      const vmRows = vmPane.locator('.monaco-list-row');
      const vmTexts = async () => (await vmRows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      const vmRow = (re) => vmRows.filter({ hasText: re }).first();
      /**
       * Clicks a row's inline action until `done()` holds. The tree re-renders after each change
       * (the adapter's breakpointsChanged event and the view's own refresh), so a click can land
       * on a row that is being replaced: the click is repeated (the actions are idempotent: Enable
       * is only offered on a disabled row, a removed row has no actions).
       */
      const vmAction = async (re, title, done, what) => {
        await until(async () => `${what} (${(await vmTexts()).join(' / ')})`, async () => {
          if (await done()) return true;
          const row = vmRow(re);
          const action = row.locator(`.action-label[aria-label="${title}"], .action-label[title="${title}"]`).first();
          await row.hover({ timeout: 5000 });
          await action.click({ timeout: 5000 });
          const t = Date.now();
          while (Date.now() - t < 5000) { if (await done()) return true; await sleep(100); }
          return false;
        }, 45000, 100);
      };
      const SW = /#\d+ .*software · hits 1 · every hit/, DATA = /#\d+ .*(watch|hardware)( DR\d)? · hits 1 · every hit/, PORT = /#\d+ .*port 0x0*e9.*port · hits 2 · ==2/;
      /** Drags the side bar's sash so that the rows' descriptions fit (cosmetic: for the screenshots). */
      const widenSideBar = async (width) => {
        const sb = await page.locator('.part.sidebar').first().boundingBox();
        if (!sb || sb.width >= width) return sb?.width;
        const edge = sb.x + sb.width;
        const sash = await page.locator('.monaco-sash.vertical').evaluateAll((els, edge) => {
          const c = els.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 200 && Math.abs(r.x + r.width / 2 - edge) < 6);
          return c.length ? { x: c[0].x + c[0].width / 2, y: c[0].y + c[0].height / 2 } : null;
        }, edge);
        if (!sash) throw new Error('no sash at the side bar\'s edge');
        await page.mouse.move(sash.x, sash.y);
        await page.mouse.down();
        await page.mouse.move(sash.x + (width - sb.width) / 2, sash.y, { steps: 4 });
        await page.mouse.move(sb.x + width, sash.y, { steps: 4 });
        await page.mouse.up();
        return (await page.locator('.part.sidebar').first().boundingBox())?.width;
      };
      /** Collapses the Run and Debug panes named (cosmetic: room for the VM Breakpoints rows). */
      const collapsePanes = async (names) => {
        for (const n of names) {
          const h = page.locator('.pane-header', { hasText: new RegExp(`^\\s*${n}`) }).first();
          if ((await h.getAttribute('aria-expanded').catch(() => null)) === 'true') await h.click().catch(() => {});
        }
      };
      await step('VM Breakpoints view lists kind, hits and window', async () => {
        await palette('Focus on VM Breakpoints View');
        const width = await widenSideBar(600).catch((e) => log(version, 'side bar not widened:', e.message));
        await collapsePanes(['Variables', 'Watch', 'Loaded Scripts']);
        const texts = await until(async () => `the VM Breakpoints rows (they say: ${(await vmTexts()).join(' / ')})`, async () => {
          const t = await vmTexts();
          return [SW, DATA, PORT].every((re) => t.some((x) => re.test(x))) && t;
        }, 30000, 200);
        const groups = texts.filter((t) => !t.startsWith('#'));
        if (!groups.some((g) => /Software \(INT3\) \(1\)/.test(g)) || !groups.some((g) => /I\/O port \(1\)/.test(g))) throw new Error(`kind groups missing: ${texts.join(' / ')}`);
        const head = await vmPane.locator('.pane-header').first().boundingBox().catch(() => null);
        const pb = await vmPane.boundingBox();
        const b = pb && head ? { ...pb, y: Math.min(pb.y, head.y), height: pb.height + Math.max(0, pb.y - head.y) } : pb;
        const last = await vmRows.last().boundingBox().catch(() => null);
        if (b) await readmeShot('vm-breakpoints', { x: b.x, y: Math.max(0, b.y - 2), width: b.width, height: last ? last.y + last.height + 10 - Math.max(0, b.y - 2) : Math.min(b.height + 4, 300) });
        return { rows: texts, sideBarWidth: width };
      }, { retry: true });

      await step('VM Breakpoints: disable and enable act on the machine', async () => {
        const find = async (ok) => (await vmTexts()).find(ok);
        await vmAction(SW, 'Disable Breakpoint', () => find((t) => /software · hits 1 · every hit · disabled/.test(t)), 'the software breakpoint to show disabled');
        const off = await find((t) => /software · hits 1 · every hit · disabled/.test(t));
        await vmAction(/software · .* · disabled/, 'Enable Breakpoint', () => find((t) => SW.test(t) && !/disabled/.test(t)), 'the software breakpoint to show enabled');
        const on = await find((t) => SW.test(t) && !/disabled/.test(t));
        return { disabled: off, enabled: on };
      });

      await step('VM Breakpoints: remove acts on the machine and on VS Code', async () => {
        await vmAction(DATA, 'Remove Breakpoint', async () => !(await vmTexts()).some((t) => DATA.test(t)), 'the data breakpoint to go from the VM Breakpoints view');
        // the adapter reports the removal (breakpoint event, reason removed): VS Code's Breakpoints view drops it too
        await until('the data breakpoint to go from VS Code\'s Breakpoints view', async () =>
          (await page.locator('.debug-breakpoints .monaco-list-row', { hasText: /0x0*500/ }).count()) === 0, 30000, 200);
        return { rows: await vmTexts() };
      });

      let paused;
      await step('extension host command probes while paused (baseline)', async () => {
        paused = await probeHost();
        if (paused.machine !== 'stopped') throw new Error(`the machine should be stopped: ${JSON.stringify(paused)}`);
        return paused;
      });

      await step(`extension host answers command probes within ${RESPONSIVE_MS} ms while the guest spins`, async () => {
        // remove the stops so that the guest spins in `jmp spin`
        await palette('Remove All Breakpoints');
        // (the exception filters stay: they are not breakpoints of the machine)
        await until('the Breakpoints view to lose the breakpoints', async () => (await page.locator('.debug-breakpoints .monaco-list-row', { hasText: /e2e\.asm|io 0xe9|0x0*500/ }).count()) === 0, 30000);
        await page.keyboard.press('F5');
        await waitStatus(/x86 VM pc: running/);
        const batches = [];
        for (let attempt = 1; attempt <= 2; attempt++) {
          const r = await probeHost();
          batches.push(r);
          if (r.machine !== 'running') throw new Error(`the guest is not running during the probes: ${JSON.stringify(r)}`);
          if (r.median <= RESPONSIVE_MS) break;
          // one clear retry: a single batch can land on a moment the shared machine is overloaded
          log(version, 'RETRY', `probe median ${r.median} ms > ${RESPONSIVE_MS} ms; measuring once more`);
        }
        const last = batches[batches.length - 1];
        if (!(await toolbar.isVisible()) || /paused/i.test(await callStackState())) throw new Error(`the guest stopped spinning: ${await callStackState()}`);
        const detail = { ...last, batches: batches.length, pausedMedian: paused?.median, status: await statusText() };
        if (last.median > RESPONSIVE_MS) throw new Error(`extension host too slow while the guest spins: ${JSON.stringify(batches)}`);
        return detail;
      });

      await step('stop the session', stopDebugging);
    }

    if (parts.has('screen') || parts.has('keys') || parts.has('serial')) {
      await closeEditors();
      await palette('Remove All Breakpoints');
    }

    if (parts.has('screen')) {
      const exitLine = lineIn('vga.asm', /^\s*out 0xf4, al/);
      await step('open examples/vga.asm and break before it exits', async () => {
        await openFile('vga.asm');
        return clickGutter(exitLine);
      }, { retry: true });
      await step('F5: vga.asm paused before its exit', async () => {
        await startDebugging();
        return waitPaused(/paused on breakpoint|breakpoint \d+ \((software|hardware|emulator)\)/i, exitLine);
      });
      await step('VM Screen renders the VGA text of vga.asm', async (attempt) => {
        await palette('x86 VM: VM Screen');
        const f = await screenFrame();
        const text = await until(async () => `"VGA text mode works" in the VM Screen (it shows "${(await screenText(f)).trim().slice(0, 200)}")`, async () => {
          const t = await screenText(f);
          return /VGA text mode works/.test(t) && t;
        }, 30000, 200);
        const row = text.split('\n')[2] ?? '';
        // white on blue (attribute 0x1f) at row 2, column 10, as the guest wrote it
        const style = await f.locator('#rows > div').nth(2).locator('span', { hasText: 'VGA text mode works' }).first()
          .evaluate((e) => ({ color: getComputedStyle(e).color, background: getComputedStyle(e).backgroundColor }));
        if (style.color !== 'rgb(255, 255, 255)' || style.background !== 'rgb(0, 0, 170)') throw new Error(`colours ${JSON.stringify(style)}, expected white on blue`);
        if (row.indexOf('VGA text mode works') !== 10) throw new Error(`row 2 is "${row}", the text should start at column 10`);
        if (!(await webviewBox())) throw new Error('the VM Screen webview has no size');
        await readmeShot('vm-screen', { x: 0, y: 0, width: 1600, height: 1000 });
        return { row2: row.trimEnd(), style, attempt };
      }, { retry: true });
      await step('stop the vga.asm session', async () => { await stopDebugging(); await closeEditors(); await palette('Remove All Breakpoints'); });
    }

    if (parts.has('keys')) {
      await step('F5 on keys.asm (polls the keyboard controller)', async () => {
        await openFile('keys.asm');
        await startDebugging();
        await waitStatus(/x86 VM pc: running/);
      });
      await step('a key typed into the VM Screen reaches the keyboard controller', async () => {
        await palette('x86 VM: VM Screen');
        const f = await screenFrame();
        await until(async () => `the guest's prompt in the VM Screen (it shows "${(await screenText(f)).trim().slice(0, 200)}")`, async () => /Type in the VM Screen/.test(await screenText(f)), 30000, 200);
        await f.locator('#screen').click();
        await until('the VM Screen to have the focus', () => f.evaluate(() => document.activeElement?.id === 'screen'), 10000);
        await page.keyboard.press('q');
        // Q's make code in scancode set 1 is 0x10; the guest prints it on row 2
        const t1 = await until(async () => `"scancode 10" in the VM Screen (it shows "${(await screenText(f)).trim().slice(0, 200)}")`, async () => { const t = await screenText(f); return /scancode 10/.test(t) && t; }, 30000, 200);
        await page.keyboard.press('Enter');
        const t2 = await until(async () => `"scancode 1c" in the VM Screen (it shows "${(await screenText(f)).trim().slice(0, 200)}")`, async () => { const t = await screenText(f); return /scancode 1c/.test(t) && t; }, 30000, 200);
        return { afterQ: t1.split('\n')[2]?.trim(), afterEnter: t2.split('\n')[2]?.trim() };
      }, { retry: true });
      await step('stop the keys.asm session', async () => { await stopDebugging(); await closeEditors(); });
    }

    if (parts.has('serial')) {
      const rowsOf = async () => (await page.locator('.xterm-rows').evaluateAll((els) => els.filter((e) => e.offsetParent !== null).map((e) => e.innerText))).join('\n').replace(/\u00a0/g, ' ');
      await step('F5 on examples/serial.asm: the guest terminal shows its greeting', async () => {
        await openFile('serial.asm');
        await startDebugging();
        await until(async () => `the greeting in the guest terminal (it shows "${(await rowsOf()).trim().slice(0, 300)}")`, async () => /COM1 says hello\. Type a line:/.test(await rowsOf()), 45000, 200);
      });
      await step('keys typed into the terminal reach COM1 and the guest echoes them', async () => {
        const term = page.locator('.terminal-wrapper.active .xterm, .terminal-wrapper .xterm').filter({ hasText: 'COM1 says hello' }).first();
        await term.click();
        await until('the terminal to have the focus', () => page.evaluate(() => !!document.activeElement?.closest('.xterm')), 10000);
        await page.keyboard.type('hi vm');
        // the guest upper-cases what it reads from COM1 and writes it back
        await until(async () => `the echo "HI VM" (terminal: "${(await rowsOf()).trim().slice(-300)}")`, async () => /Type a line: HI VM/.test(await rowsOf()), 30000, 200);
        await page.keyboard.press('Enter');
        await until(async () => `"Bye!" and the exit (terminal: "${(await rowsOf()).trim().slice(-300)}")`, async () => /Bye!/.test(await rowsOf()) && /guest exited with status 1/.test(await rowsOf()), 30000, 200);
        await toolbar.waitFor({ state: 'hidden', timeout: 30000 });
        return { terminal: (await rowsOf()).split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-4) };
      });
    }
  } finally {
    writeFileSync(join(art, 'results.json'), JSON.stringify({ version, results, serverLog: serverLog.slice(-4000) }, null, 1));
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

const versions = installed();
if (versions.length === 0) {
  console.error(`e2e: no code-server installed in ${home}; run test/e2e/install.sh first`);
  process.exit(1);
}
if (!existsSync(vsix)) {
  console.error(`e2e: ${vsix} not found; run npm run package first`);
  process.exit(1);
}
/** Entry names of a zip file (its central directory). */
function zipNames(buf) {
  let e = buf.length - 22;
  while (e >= 0 && buf.readUInt32LE(e) !== 0x06054b50) e--;
  if (e < 0) throw new Error('not a zip file');
  const names = [];
  for (let i = 0, p = buf.readUInt32LE(e + 16), n = buf.readUInt16LE(e + 10); i < n; i++) {
    const len = buf.readUInt16LE(p + 28);
    names.push(buf.toString('utf8', p + 46, p + 46 + len));
    p += 46 + len + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return names;
}
{
  // the package: under 5 MB (the issue's limit), the bundle inside, the README screenshots, nothing
  // else from docs/ and nothing from test/, src/, out/, node_modules/
  const buf = readFileSync(vsix);
  const names = zipNames(buf);
  const stray = names.filter((n) => /^extension\/(docs|test|src|out|node_modules)\//.test(n) && !/^extension\/docs\/screenshots\/[^/]+\.png$/.test(n));
  if (buf.length >= 5 * 1024 * 1024 || stray.length || !names.includes('extension/dist/extension.js')) {
    console.error(`e2e: bad .vsix: ${buf.length} bytes, ${names.length} files${stray.length ? `, should not hold ${stray.join(', ')}` : ''}`);
    process.exit(1);
  }
  log(`.vsix: ${buf.length} bytes, ${names.length} files`);
}
let failed = 0, passed = 0;
const summary = [];
for (const v of versions) {
  const s = Date.now();
  try {
    const r = await testVersion(v);
    passed += r.filter((x) => x.ok).length;
    summary.push(`${v}: PASS ${r.length} steps in ${Math.round((Date.now() - s) / 1000)} s`);
    log(v, 'PASS');
  } catch (e) {
    failed++;
    summary.push(`${v}: FAILED in ${Math.round((Date.now() - s) / 1000)} s: ${String(e?.message ?? e).split('\n')[0]}`);
    log(v, 'FAILED:', String(e?.message ?? e).split('\n')[0]);
  }
}
for (const l of summary) console.log(`e2e: ${l}`);
console.log(`e2e: ${versions.length - failed} passed, ${failed} failed (code-server ${versions.join(', ')}; ${passed} steps passed)`);
process.exit(failed ? 1 : 0);
