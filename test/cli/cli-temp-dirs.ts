// What the tests that run the built CLI share: its path, a check that it was built, and temp
// dirs removed after each test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll } from 'vitest';

export const BIN = path.resolve('bin/paxos-cli.js');

/** A maker of temp dirs (named `prefix…`) that are removed after each test of the calling file. */
export function cliTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  beforeAll(() => {
    if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
