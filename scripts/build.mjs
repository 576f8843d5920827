// Bundles dist/extension.js (vscode external) and dist/cli.js with esbuild.
// iced-x86 loads its WebAssembly from __dirname, so the .wasm file is copied next to the bundles.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, chmodSync } from 'node:fs';

const production = process.argv.includes('--production');
mkdirSync('dist', { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
const builds = [esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } })];
if (existsSync('src/extension/extension.ts')) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }));
}
await Promise.all(builds);
copyFileSync('node_modules/iced-x86/iced_x86_bg.wasm', 'dist/iced_x86_bg.wasm');
chmodSync('dist/cli.js', 0o755);
