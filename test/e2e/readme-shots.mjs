#!/usr/bin/env node
// Makes docs/screenshots/*.png (the README's walkthrough) from an e2e run's readme-*.png crops:
// scaled down in headless Chromium, then palette-quantised with pngquant when it is installed.
// Usage: node test/e2e/readme-shots.mjs [version]   (default 4.139.1; run `npm run e2e` first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const version = process.argv[2] ?? '4.139.1';
const art = join(root, 'test/e2e/artifacts', version);
const out = join(root, 'docs/screenshots');
/** artifact name → [output name, width in px] */
const shots = { 'readme-paused.png': ['paused.png', 900], 'readme-vm-breakpoints.png': ['vm-breakpoints.png', 600], 'readme-vm-screen.png': ['vm-screen.png', 1000] };
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  for (const [src, [dst, width]] of Object.entries(shots)) {
    const file = join(art, src);
    if (!existsSync(file)) { console.error(`missing ${file}: run npm run e2e first`); process.exitCode = 1; continue; }
    const b64 = await page.evaluate(async ({ data, width }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const w = Math.min(width, img.width), h = Math.round(img.height * w / img.width);
      const c = document.createElement('canvas');
      c.width = w; c.height = h;
      const g = c.getContext('2d');
      g.imageSmoothingQuality = 'high';
      g.drawImage(img, 0, 0, w, h);
      return c.toDataURL('image/png').split(',')[1];
    }, { data: readFileSync(file).toString('base64'), width });
    const target = join(out, dst);
    writeFileSync(target, Buffer.from(b64, 'base64'));
    const q = spawnSync('pngquant', ['--force', '--skip-if-larger', '--quality', '60-90', '--output', target, target]);
    console.log(`${dst}: ${statSync(target).size} bytes${q.error ? ' (pngquant not installed: not quantised)' : ''}`);
  }
} finally {
  await browser.close();
}
