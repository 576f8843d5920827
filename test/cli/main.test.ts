import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../../dist/cli.js');

describe('x86vm command line', () => {
  it('rejects an unknown command with a one-line error and exit status 2', () => {
    const r = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^x86vm: error: unknown command 'frobnicate'/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
