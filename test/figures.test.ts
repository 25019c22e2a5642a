// Figures 3-5: rendered from synthetic run folders (fast), checked to parse, name their axes and carry their CSVs' data.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { loadFontMetrics } from '../src/figures/fontMetrics.js';
import { FIGURE_FILES, FIGURE_PROFILES, formatResultTable, makeFigures, type FiguresOptions, type FiguresResult, type TrainRequest } from '../src/figures/pipeline.js';
import { figureFontFiles, svgToPng } from '../src/figures/render.js';
import { readMetrics } from '../src/figures/runs.js';
import { DEFAULT_SCENARIO, scenarioToJson } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';
import { checkBarFigure, checkLineFigure, parseSvg, readTable, textsOf } from './figures-svg.js';
import { syntheticEpisodes, writeSyntheticRun } from './figures-synthetic.js';

const SEEDS = [1, 2, 3];
// The figure profiles fix their own recipe (the rates Figure 3 scales), whatever the trainer's defaults.
const { lrActor: LR_ACTOR, lrCritic: LR_CRITIC } = { ...DEFAULT_TRAIN_CONFIG, ...FIGURE_PROFILES.quick.train };
const SCENARIO = scenarioToJson(DEFAULT_SCENARIO);

function options(out: string, train: (r: TrainRequest) => Promise<unknown>, extra: Partial<FiguresOptions> = {}): FiguresOptions {
  return { out, quick: true, seeds: SEEDS, scenario: SCENARIO, scenarioName: 'default (MODEL.md)', device: 'cpu', train, ...extra };
}

describe('megc figures on synthetic runs', () => {
  let out: string;
  let result: FiguresResult;
  const trained: TrainRequest[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'megc-figures-'));
    result = await makeFigures(options(out, async (request) => { trained.push(request); writeSyntheticRun(request); }));
  });
  afterAll(() => { if (out) rmSync(out, { recursive: true, force: true }); });

  it('trains 3 learning rates x 3 seeds with scaled learning rates, and writes nine files', () => {
    expect(trained.length).toBe(9);
    const scales = trained.map((r) => r.config.lrActor / LR_ACTOR);
    for (const scale of [0.1, 1, 3]) expect(scales.filter((s) => Math.abs(s - scale) < 1e-9).length).toBe(3);
    for (const r of trained) expect(r.config.lrCritic / r.config.lrActor).toBeCloseTo(LR_CRITIC / LR_ACTOR, 12);
    expect(trained.map((r) => r.config.seed).sort()).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(trained.every((r) => r.config.envs === 64 && r.config.hidden.join() === '32,32')).toBe(true);
    // Only the default-rate runs are evaluated (Fig. 5 uses them alone).
    expect(trained.filter((r) => r.evaluate).map((r) => r.config.lrActor)).toEqual([LR_ACTOR, LR_ACTOR, LR_ACTOR]);
    for (const name of Object.values(FIGURE_FILES)) {
      for (const ext of ['csv', 'svg', 'png']) expect(existsSync(join(out, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    }
    expect(result.files.length).toBe(9);
  });

  it('Fig. 3: reward lines and bands carry the CSV, axes named with units, caption names scenario and seeds', () => {
    const rows = readTable(join(out, `${FIGURE_FILES.reward}.csv`));
    const episodes = syntheticEpisodes(FIGURE_PROFILES.quick.train.iterations!);
    expect(rows.length).toBe(3 * episodes);
    // The CSV is the mean and sd over seeds of the runs' metrics.
    const runs = [1, 2, 3].map((seed) => readMetrics(join(out, 'runs', 'quick', 'lr-x0.1', `seed-${seed}`, 'metrics.csv')));
    const first = rows.find((r) => r.lr_scale === 0.1 && r.episode === 1)!;
    const rewards = runs.map((m) => m.reward[0]);
    const mean = rewards.reduce((s, v) => s + v, 0) / 3;
    expect(first.reward_mean).toBeCloseTo(mean, 12);
    expect(first.reward_sd).toBeCloseTo(Math.sqrt(rewards.reduce((s, v) => s + (v - mean) ** 2, 0) / 2), 12);
    expect(first.seeds).toBe(3);

    const svg = parseSvg(readFileSync(join(out, `${FIGURE_FILES.reward}.svg`), 'utf8'));
    checkLineFigure(svg, rows, 'reward_mean', 'band_low', 'band_high');
    const axes = textsOf(svg, 'role-axis-title');
    expect(axes).toContain('Training episode (100 time slots each)');
    expect(axes.some((t) => t.includes('reward') && t.includes('(s)'))).toBe(true);
    const caption = textsOf(svg, 'role-title-subtitle').join(' ');
    expect(caption).toContain('Scenario: default (MODEL.md)');
    expect(caption).toContain('seeds 1, 2, 3');
    expect(textsOf(svg, 'role-title-text')[0]).toMatch(/^Fig\. 3/);
  });

  it('Fig. 4: each user\'s latency line and band carry the CSV', () => {
    const rows = readTable(join(out, `${FIGURE_FILES.userLatency}.csv`));
    expect(new Set(rows.map((r) => r.user))).toEqual(new Set(['comp', 'aigc', 've']));
    const svg = parseSvg(readFileSync(join(out, `${FIGURE_FILES.userLatency}.svg`), 'utf8'));
    checkLineFigure(svg, rows, 'latency_mean_s', 'band_low_s', 'band_high_s');
    const axes = textsOf(svg, 'role-axis-title');
    expect(axes).toContain('Mean latency per slot (s)');
    expect(axes.some((t) => t.startsWith('Training episode'))).toBe(true);
    expect(textsOf(svg, 'role-title-subtitle').join(' ')).toContain('seeds 1, 2, 3');
  });

  it('Fig. 5: one bar per CSV row, heights proportional to the mean latencies, labelled with their values', () => {
    const rows = readTable(join(out, `${FIGURE_FILES.policyLatency}.csv`));
    expect(rows.length).toBe(16);
    const svg = parseSvg(readFileSync(join(out, `${FIGURE_FILES.policyLatency}.svg`), 'utf8'));
    checkBarFigure(svg, rows);
    expect(formatResultTable(result.table)).toMatch(/^policy +comp \(s\)/);
  });

  it('PNGs are the SVGs rasterised at twice the size, with text drawn', () => {
    for (const name of Object.values(FIGURE_FILES)) {
      const png = readFileSync(join(out, `${name}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
      expect(png.readUInt32BE(16), `${name}.png width`).toBe(2 * width);
    }
  });

  it('reuses runs whose config.json matches and retrains only the ones that differ', async () => {
    const again: TrainRequest[] = [];
    const second = await makeFigures(options(out, async (r) => { again.push(r); writeSyntheticRun(r); }));
    expect(again.length).toBe(0);
    expect(second.runs.every((r) => r.reused)).toBe(true);
    // A run whose config no longer matches (here: its seed) is trained again; the others are reused.
    const path = join(out, 'runs', 'quick', 'lr-x1', 'seed-2', 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8'));
    config.train.seed = 99;
    writeFileSync(path, JSON.stringify(config));
    const lines: string[] = [];
    await makeFigures(options(out, async (r) => { again.push(r); writeSyntheticRun(r); }, { log: (l) => lines.push(l) }));
    expect(again.map((r) => [r.config.seed, r.config.lrActor])).toEqual([[2, LR_ACTOR]]);
    expect(lines.find((l) => l.includes('lr-x1/seed-2'))).toContain('train.seed is 99, wanted 2');
  });
});

describe('figure inputs and fonts', () => {
  it('rejects bad seeds and learning-rate scales with one-line errors naming the flag', async () => {
    const never = async () => { throw new Error('must not train'); };
    await expect(makeFigures(options('/nonexistent', never, { seeds: [] }))).rejects.toThrow(/--seeds/);
    await expect(makeFigures(options('/nonexistent', never, { seeds: [1, 1] }))).rejects.toThrow(/--seeds: a seed is repeated/);
    await expect(makeFigures(options('/nonexistent', never, { lrScales: [0.1, 3] }))).rejects.toThrow(/--lr-scales: must include 1/);
  });

  it('a bad metrics.csv cell is a UserError naming the file, row and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'megc-figures-bad-'));
    try {
      const path = join(dir, 'metrics.csv');
      writeFileSync(path, 'episode,iteration,reward,l_comp,l_aigc,l_ve,l_total\n1,100,-3,0.5,1,1.5,3\n2,200,-2.5,abc,1,1.5,3\n');
      expect(() => readMetrics(path)).toThrow(UserError);
      expect(() => readMetrics(path)).toThrow(/metrics\.csv: row 2 \(line 3\), column "l_comp"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('text widths from the bundled DejaVu Sans match what resvg draws', () => {
    const [regularFile] = figureFontFiles();
    const metrics = loadFontMetrics(regularFile);
    const text = 'Episode reward = −mean L_total per slot (s) ×0.1 ±1';
    const size = 100;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="200"><text x="10" y="150" font-family="DejaVu Sans" font-size="${size}">${text}</text></svg>`;
    const box = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: figureFontFiles(), defaultFontFamily: 'DejaVu Sans' } }).getBBox();
    expect(box).toBeDefined();
    // The ink box excludes the side bearings of the first and last glyphs and includes kerning: within 1.5%.
    expect(Math.abs(metrics.width(text) * size - box!.width) / box!.width).toBeLessThan(0.015);
    expect(metrics.width('ab')).toBeCloseTo(metrics.width('a') + metrics.width('b'), 12);
  });

  it('text is drawn in the PNG (the bundled font is used)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/>'
      + '<text x="5" y="30" font-family="DejaVu Sans" font-size="24">Latency (s)</text></svg>';
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/></svg>';
    const inked = (s: string) => {
      const pixels = new Resvg(s, { font: { loadSystemFonts: false, fontFiles: figureFontFiles() } }).render().pixels;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) dark += 1;
      return dark;
    };
    expect(inked(blank)).toBe(0);
    expect(inked(svg)).toBeGreaterThan(200);
    expect(svgToPng(svg).length).toBeGreaterThan(svgToPng(blank).length);
  });
});
