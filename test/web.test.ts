// The web page in a real browser (headless chromium, WebGPU on SwiftShader): the adapter, the scenario form's messages
// against the CLI's, a tiny training from URL parameters (the same numbers as `megc train`, a checkpoint `megc eval`
// loads), a `megc train` checkpoint evaluated to the CLI's numbers, a corrupted one refused with the CLI's message, one
// whose evaluation size the GPU cannot hold refused in one line, the bench, Stop, a lost device, and a browser without
// WebGPU; a world picked from the scenario list, trained and evaluated as `megc train` evaluates one. The tests of one
// page share it, in order.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/io/safetensorsFile.js';
import { NO_WEBGPU } from '../src/platform/noWebgpu.js';
import { SCENARIO_KEYS } from '../web/src/scenarioKeys.js';
import { expectClose } from './helpers/expectClose.js';
import { buildPage, launchChromium, serveDirectory } from './helpers/browser.js';
import { ensureBuilt, megc, ROOT } from './helpers/cli.js';

/** SwiftShader is slow: tiny sizes, and 10-slot episodes so that Figs. 3 and 4 have several points. */
const TINY = { envs: 16, batch: 16, hidden: '16', updates: 2, iterations: 60, evalSlots: 2048 };
const SCENARIO = { slotsPerEpisode: 10 };
const POLICIES = ['lara', 'fra', 'rra', 'opt'] as const;
/** Where the screenshot after training goes (docs/web.png is one). */
const SCREENSHOT = join(ROOT, 'runs', 'web', 'screenshot.png');
/** FRA, RRA and OPT are float32 sums on two different software GPUs (SwiftShader here, lavapipe for the CLI). */
const ACROSS_GPUS = { atol: 0, rtol: 1e-4 };

interface Row { policy: string; total: number; gap: number }

const dir = mkdtempSync(join(tmpdir(), 'megc-web-'));
let browser: Browser;
let site: { url: string; close: () => Promise<void> };
/** `megc train` with the TINY config and scenario: its checkpoint and evaluation. */
let cliRun: { checkpoint: string; evaluation: { slots: number; policies: Record<string, { total: number }> } };

function pageUrl(parameters: Record<string, string | number>): string {
  return `${site.url}?${new URLSearchParams(Object.entries(parameters).map(([k, v]) => [k, String(v)]))}`;
}

/** Uncaught errors of the pages (each test expects none). */
const pageErrors: string[] = [];

/**
 * A page of the site with URL `parameters`. Its runs use the default kernels (`tune: 'off'`, unless a test gives
 * `tune`): choosing them by measurement (the page's default, quick) takes minutes on SwiftShader, and the tuner is
 * tested in Node.
 */
async function openPage(parameters: Record<string, string | number> = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(pageUrl({ tune: 'off', ...parameters }));
  return page;
}

const state = (page: Page) => page.evaluate(() => document.body.dataset.state);
const waitForState = (page: Page, states: string[], timeout: number) =>
  page.waitForFunction((wanted) => wanted.includes(document.body.dataset.state ?? ''), states, { timeout, polling: 250 });
const message = (page: Page) => page.locator('#message').textContent();

async function resultRows(page: Page): Promise<Row[]> {
  return page.$$eval('#results tbody tr', (rows) => rows.map((r) => {
    const d = (r as HTMLElement).dataset;
    return { policy: d.policy!, total: Number(d.total), gap: Number(d.gap) };
  }));
}

/** The CLI's one-line error for `args` without its "megc: error: FILE: " prefix. */
function cliMessage(args: string[], file: string): string {
  const r = megc(args);
  expect(r.status).toBe(2);
  const line = r.stderr.split('\n').find((l) => l.startsWith('megc: error: '))!;
  return line.slice(line.indexOf(`${file}: `) + file.length + 2);
}

beforeAll(async () => {
  ensureBuilt();
  buildPage(join(dir, 'site'));
  site = await serveDirectory(join(dir, 'site'));
  browser = await launchChromium();
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  const out = join(dir, 'cli-run');
  const r = megc(['train', '--out', out, '--envs', String(TINY.envs), '--batch', String(TINY.batch), '--hidden', TINY.hidden,
    '--updates', String(TINY.updates), '--iterations', String(TINY.iterations), '--eval-slots', String(TINY.evalSlots),
    '--scenario', scenarioFile], { timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  cliRun = { checkpoint: join(out, 'checkpoint.safetensors'), evaluation: JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) };
}, 600_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('the page on a fresh load', () => {
  let page: Page;

  it('finds an adapter and offers every key of the scenario with its default', async () => {
    page = await openPage();
    await waitForState(page, ['ready', 'no-webgpu', 'no-adapter', 'error'], 60_000);
    expect(await state(page), (await message(page)) ?? '').toBe('ready');
    expect(await page.locator('#adapter').textContent()).toMatch(/swiftshader/i);
    const names = await page.$$eval('#scenario-fields input', (inputs) => inputs.map((i) => (i as HTMLInputElement).name));
    expect(names).toEqual(SCENARIO_KEYS.map((k) => k.path.join('.')));
    expect(await page.inputValue('input[name="bandwidth.off"]')).toBe('4e8');
  }, 120_000);

  it('shows the CLI\'s message for a bad scenario value and starts nothing', async () => {
    const cases: [string, string, unknown][] = [
      ['distance.comp', '-5', { distance: { comp: -5 } }],
      ['data.ve.1', 'abc', { data: { ve: [1e6, 'abc'] } }],
      ['slotsPerEpisode', '2.5', { slotsPerEpisode: 2.5 }],
    ];
    await page.click('#scenario > summary', { position: { x: 4, y: 4 } });
    for (const [name, value, json] of cases) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(json));
      const expected = cliMessage(['eval', '--policy', 'fra', '--scenario', file, '--slots', '1', '--device', 'cpu'], file);
      const input = `input[name="${name}"]`;
      const before = await page.inputValue(input);
      await page.fill(input, value);
      await page.click('#start');
      await page.waitForSelector('#message:not([hidden])');
      expect(await message(page)).toBe(`scenario: ${expected}`);
      expect(await state(page)).toBe('ready');
      expect(await page.evaluate((n) => document.activeElement?.getAttribute('name'), name)).toBe(name);
      await page.fill(input, before);
    }
  }, 120_000);

  it.each([
    ['tune', 'fast', "tune parameter: 'fast' is not one of off, quick, full"],
    ['precision', 'f8', "precision parameter: 'f8' is not one of f32, mixed"],
  ])('refuses a %s parameter it does not know in one line and starts nothing', async (name, value, expected) => {
    const odd = await openPage({ [name]: value });
    await waitForState(odd, ['ready', 'error'], 60_000);
    await odd.click('#start');
    await odd.waitForSelector('#message:not([hidden])');
    expect(await message(odd)).toBe(expected);
    expect(await state(odd)).toBe('ready');
    await odd.close();
  }, 120_000);

  it('says in one sentence what to use in a browser without WebGPU', async () => {
    const bare = await browser.newPage();
    await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await bare.goto(site.url);
    await waitForState(bare, ['no-webgpu', 'ready'], 30_000);
    expect(await state(bare)).toBe('no-webgpu');
    expect(await message(bare)).toBe(NO_WEBGPU);
    expect(await bare.isDisabled('#start')).toBe(true);
    await bare.close();
    await page.close();
  }, 60_000);
});

describe('a world picked from the scenario list', () => {
  /** Tiny sizes: a few iterations on SwiftShader, OPT on 32 slots on the CPU. */
  const WORLD_TINY = { envs: 16, batch: 16, hidden: '16', iterations: 5, evalSlots: 32 };

  it('trains multi-users and shows the world\'s table (LARA, FRA, RRA, OPT, finite) and Fig. 5', async () => {
    const page = await openPage(WORLD_TINY);
    await waitForState(page, ['ready', 'no-webgpu', 'no-adapter', 'error'], 60_000);
    expect(await state(page), (await message(page)) ?? '').toBe('ready');
    const options = await page.$$eval('#scenario-file option', (list) => list.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(['default', 'multi-users', 'multi-servers', 'association', 'large']);
    await page.selectOption('#scenario-file', 'multi-users');
    expect(await page.isHidden('#scenario-fields')).toBe(true);
    expect(await page.locator('#world-json').textContent()).toContain('"users"');
    expect(await page.locator('#scenario-heading').textContent()).toContain('scenarios/multi-users.json, 12 users on 1 server');
    expect(await page.inputValue('input[name="evalSlots"]')).toBe(String(WORLD_TINY.evalSlots));  // the visitor's value stays
    await page.click('#start');
    await waitForState(page, ['done', 'error', 'stopped'], 300_000);
    expect(await state(page), (await message(page)) ?? '').toBe('done');
    const rows = await resultRows(page);
    expect(rows.map((r) => r.policy)).toEqual([...POLICIES]);
    const by = Object.fromEntries(rows.map((r) => [r.policy, r]));
    expect(by.opt.gap).toBe(0);
    for (const r of rows) {
      expect(Number.isFinite(r.total) && r.total > 0, r.policy).toBe(true);
      expect(r.gap, r.policy).toBeGreaterThanOrEqual(0);
    }
    const cells = await page.$$eval('#results tbody tr', (list) => list.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(cells.map((c) => c[0])).toEqual(['LARA', 'FRA', 'RRA', 'OPT']);
    for (const c of cells) for (const x of c.slice(1, 5)) expect(Number.isFinite(Number(x)), `${c[0]}: ${x}`).toBe(true);
    expect(await page.isVisible('#results-note')).toBe(true);
    expect(await page.locator('#fig-policies svg').count()).toBe(1);
    expect(await page.locator('#fig-policies').textContent()).toContain('per service type');
    // OPT and LARA in float64 on the CPU, on the world's evaluation set: the numbers of `megc eval`.
    const opt = megc(['eval', '--scenario', 'scenarios/multi-users.json', '--policy', 'opt', '--slots', String(WORLD_TINY.evalSlots), '--json']);
    expect(opt.status, opt.stderr).toBe(0);
    expect((JSON.parse(opt.stdout) as { total: number }).total).toBeCloseTo(by.opt.total, 9);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(dir, 'world-checkpoint.safetensors');
    await download.saveAs(file);
    const lara = megc(['eval', '--policy', file, '--slots', String(WORLD_TINY.evalSlots), '--json']);
    expect(lara.status, lara.stderr).toBe(0);
    expect((JSON.parse(lara.stdout) as { total: number }).total).toBeCloseTo(by.lara.total, 9);
    await page.close();
  }, 420_000);

  it('takes a world as the scenario URL parameter: a shipped name, or JSON of its own', async () => {
    const named = await openPage({ scenario: 'large' });
    await waitForState(named, ['ready', 'error'], 60_000);
    expect(await state(named), (await message(named)) ?? '').toBe('ready');
    expect(await named.inputValue('#scenario-file')).toBe('large');
    expect(await named.inputValue('input[name="evalSlots"]')).toBe('16');  // OPT's default set on this world
    await named.selectOption('#scenario-file', 'default');
    expect(await named.inputValue('input[name="evalSlots"]')).toBe('65536');
    expect(await named.isHidden('#world-keys')).toBe(true);
    expect(await named.inputValue('input[name="slotsPerEpisode"]')).toBe('100');
    await named.close();
    const own = { servers: [{ position: [0, 0] }, { position: [100, 0] }], users: { comp: { count: 2, distance: 50 } } };
    const custom = await openPage({ scenario: JSON.stringify(own) });
    await waitForState(custom, ['ready', 'error'], 60_000);
    expect(await state(custom), (await message(custom)) ?? '').toBe('ready');
    expect(await custom.locator('#scenario-file option:checked').textContent()).toBe('scenario parameter: 4 users on 2 servers, each user served by its nearest');
    expect(JSON.parse((await custom.locator('#world-json').textContent())!)).toMatchObject(own);
    await custom.close();
  }, 120_000);
});

describe('training in the page, started from URL parameters', () => {
  let page: Page;
  let rows: Row[];

  it('trains and evaluates LARA, FRA, RRA and OPT: the numbers of `megc train` with the same config', async () => {
    page = await openPage({ ...TINY, scenario: JSON.stringify(SCENARIO), autostart: 1 });
    await waitForState(page, ['done', 'error', 'stopped'], 400_000);
    expect(await state(page), (await message(page)) ?? '').toBe('done');
    rows = await resultRows(page);
    expect(rows.map((r) => r.policy)).toEqual([...POLICIES]);
    const by = Object.fromEntries(rows.map((r) => [r.policy, r]));
    expect(by.opt.gap).toBe(0);
    expect(by.lara.gap).toBeLessThan(by.fra.gap);
    expect(by.rra.gap).toBeGreaterThan(by.fra.gap);
    for (const r of rows) expect(r.gap).toBeCloseTo(r.total / by.opt.total - 1, 12);
    // The same kernels, config and seeds as the CLI: LARA within float32 noise of `megc train` on another GPU.
    expectClose(rows.map((r) => r.total), POLICIES.map((p) => cliRun.evaluation.policies[p].total), ACROSS_GPUS, 'L_total, page vs megc train');
    expect(await page.locator('#status').getAttribute('data-iteration')).toBe(String(TINY.iterations));
    for (const figure of ['#fig-reward', '#fig-latency', '#fig-policies']) expect(await page.locator(`${figure} svg`).count()).toBe(1);
    mkdirSync(join(ROOT, 'runs', 'web'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 420_000);

  it('downloads a checkpoint that `megc eval` evaluates to the page\'s LARA numbers', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('checkpoint.safetensors');
    const file = join(dir, 'page-checkpoint.safetensors');
    await download.saveAs(file);
    const scenarioFile = join(dir, 'scenario.json');
    const r = megc(['eval', '--policy', file, '--slots', String(TINY.evalSlots), '--scenario', scenarioFile, '--json', '--device', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout) as { total: number };
    expect(cli.total).toBeCloseTo(rows.find((row) => row.policy === 'lara')!.total, 12);
  }, 120_000);

  it('evaluates a `megc train` checkpoint opened with the file picker to the CLI\'s numbers', async () => {
    await page.setInputFiles('#open', cliRun.checkpoint);
    await page.waitForFunction(() => document.body.dataset.state === 'evaluating', null, { timeout: 10_000 }).catch(() => {});
    await waitForState(page, ['done', 'error', 'ready'], 300_000);
    expect(await state(page), (await message(page)) ?? '').toBe('done');
    const opened = await resultRows(page);
    expect(opened.map((r) => r.policy)).toEqual([...POLICIES]);
    expectClose(opened.map((r) => r.total), POLICIES.map((p) => cliRun.evaluation.policies[p].total), ACROSS_GPUS, 'L_total of the checkpoint, page vs CLI');
    // LARA is the actor on the CPU in float64 on both sides: the same number.
    expect(opened[0].total).toBeCloseTo(cliRun.evaluation.policies.lara.total, 12);
    expect(await page.inputValue('input[name="envs"]')).toBe(String(TINY.envs));
    expect(await page.inputValue('input[name="slotsPerEpisode"]')).toBe(String(SCENARIO.slotsPerEpisode));
  }, 320_000);

  it('refuses a corrupted checkpoint dropped on the page with the CLI\'s message', async () => {
    const bytes = readFileSync(cliRun.checkpoint);
    bytes[bytes.length - 3] ^= 0xff;
    const file = join(dir, 'corrupted.safetensors');
    writeFileSync(file, bytes);
    const expected = cliMessage(['eval', '--policy', file, '--slots', '1', '--device', 'cpu'], file);
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'corrupted.safetensors'));
      document.getElementById('drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [...bytes]);
    await page.waitForSelector('#message:not([hidden])');
    expect(await message(page)).toBe(`corrupted.safetensors: ${expected}`);
    expect(await state(page)).toBe('ready');
  }, 60_000);

  it('refuses a checkpoint whose evaluation size the GPU cannot hold: one line, the status no longer "Evaluating"', async () => {
    const forged = readSafetensors(cliRun.checkpoint);
    const config = JSON.parse(forged.metadata.config) as { evalSlots: number };
    config.evalSlots = 2 ** 40;
    const file = join(dir, 'forged-eval-slots.safetensors');
    writeSafetensors(file, forged.tensors, { ...forged.metadata, config: JSON.stringify(config) });
    await page.setInputFiles('#open', file);
    await page.waitForSelector('#message:not([hidden])');
    await waitForState(page, ['ready', 'error'], 30_000);
    expect(await message(page)).toMatch(/^evaluation slots 1099511627776: this GPU evaluates at most \d+ \(its maxStorageBufferBindingSize holds 28 bytes per slot\)$/);
    expect(await state(page)).toBe('ready');
    expect(await page.locator('#status').textContent()).toBe('forged-eval-slots.safetensors: not evaluated (see the message above).');
    // The forms keep what they held: the refused checkpoint's config is not what Start would train.
    expect(await page.inputValue('input[name="evalSlots"]')).toBe(String(TINY.evalSlots));
  }, 60_000);

  it('benches the GPU: environment steps/s and training iterations/s', async () => {
    await page.click('#bench');
    await waitForState(page, ['ready', 'error'], 300_000);
    const figures = await page.$eval('#bench-result', (e) => ({ ...(e as HTMLElement).dataset }));
    expect(Number(figures.envSteps)).toBeGreaterThan(0);
    expect(Number(figures.iterations)).toBeGreaterThan(0);
  }, 320_000);

  it('stops at Stop: no evaluation, the iterations done so far, a checkpoint to download', async () => {
    await page.fill('input[name="iterations"]', '100000');
    await page.click('#start');
    expect(await state(page)).toBe('training');
    await page.waitForFunction(() => Number(document.getElementById('status')!.dataset.iteration) > 0, null, { timeout: 300_000 });
    await page.click('#stop');
    await waitForState(page, ['stopped', 'error', 'done'], 300_000);
    expect(await state(page), (await message(page)) ?? '').toBe('stopped');
    const done = Number(await page.locator('#status').getAttribute('data-iteration'));
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(100000);
    expect(await resultRows(page)).toEqual([]);
    expect(await page.isEnabled('#download')).toBe(true);
  }, 320_000);

  it('stops with a message and keeps the plots when the device is lost', async () => {
    await page.click('#start');
    expect(await state(page)).toBe('training');
    await page.waitForFunction(() => Number(document.getElementById('status')!.dataset.iteration) > 0, null, { timeout: 300_000 });
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.crashGpuProcess');
    await waitForState(page, ['error', 'stopped'], 120_000);
    expect(await state(page)).toBe('error');
    expect(await message(page)).toMatch(/^GPU device lost: .*; training stopped at iteration \d+ of 100000 \(the plots are kept\)\.$/);
    expect(await page.locator('#fig-reward svg').count()).toBe(1);
    expect(await page.isEnabled('#start')).toBe(true);
    await page.close();
  }, 320_000);
});
