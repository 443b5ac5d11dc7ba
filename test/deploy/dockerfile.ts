// The Dockerfile as the tests see it. Its one ENTRYPOINT line, in JSON exec form with the app
// under /app, is the node command: the image runs it, and a test on this machine runs the same
// argv with the repository in place of /app.
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const DOCKERFILE = path.join(REPO_ROOT, 'Dockerfile');
/** Where the image keeps the app; replaced by the repository root to run the entry command here. */
export const IMAGE_APP_DIR = '/app';

export interface Instruction {
  readonly keyword: string; // upper case, e.g. ENTRYPOINT
  readonly args: string; // the rest, continuation lines joined
  readonly line: number; // 1-based line of its first line
}

/** The instructions of a Dockerfile: comments dropped, `\` continuations joined. */
export function dockerfileInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let body = lines[i]!.trim();
    if (body === '' || body.startsWith('#')) continue;
    while (body.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!.trim();
      body = body.slice(0, -1).trimEnd() + (next.startsWith('#') ? '' : ' ' + next);
    }
    const m = /^(\S+)\s*(.*)$/.exec(body)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: first + 1 });
  }
  return out;
}

/** The ENTRYPOINT's argv as written (JSON exec form); throws unless there is exactly one. */
export function dockerEntrypoint(text: string = fs.readFileSync(DOCKERFILE, 'utf8')): string[] {
  const entries = dockerfileInstructions(text).filter((i) => i.keyword === 'ENTRYPOINT');
  if (entries.length !== 1) throw new Error(`the Dockerfile has ${entries.length} ENTRYPOINT lines; it needs exactly one`);
  const argv: unknown = JSON.parse(entries[0]!.args);
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new Error(`ENTRYPOINT (line ${entries[0]!.line}) is not a JSON array of strings: ${entries[0]!.args}`);
  }
  return argv as string[];
}

/** The image's node command to run on this machine: /app replaced by the repository root. */
export function nodeCommandHere(root: string = REPO_ROOT): string[] {
  return dockerEntrypoint().map((a) => (a === IMAGE_APP_DIR || a.startsWith(IMAGE_APP_DIR + '/') ? root + a.slice(IMAGE_APP_DIR.length) : a));
}
