// A private tmux server for end-to-end tests: keys in with send-keys, the screen out with
// capture-pane, and the nodes of a data dir found by their command lines.
import { execFileSync, spawnSync } from 'node:child_process';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export class TmuxSession {
  constructor(
    /** Its own server socket, so a test never touches anyone's sessions. */
    private readonly socket: string,
    private readonly session = 'paxos',
  ) {}

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(columns: number, rows: number, command: string): void {
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), command);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  async waitForScreen(what: string, test: (s: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
  }

  /** A line typed and Enter. */
  type(line: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', line);
    this.tmux('send-keys', '-t', this.session, 'Enter');
  }

  key(name: string): void {
    this.tmux('send-keys', '-t', this.session, name);
  }

  kill(): void {
    if (hasTmux) spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

/** Node processes started on `dataDir` that are still running. */
export function nodeProcesses(dataDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dataDir) && l.includes(' node ') && !l.includes('tmux'));
}
