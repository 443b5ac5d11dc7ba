// Progress on stderr (stdout stays clean for --json): a bar redrawn in place on a terminal,
// a plain line every few seconds otherwise.
import type { Progress } from './workload.js';

const BAR_WIDTH = 30;
const PLAIN_EVERY_SEC = 5;

export function progressPrinter(stream: NodeJS.WriteStream, label: string): { update: (p: Progress) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(p) {
      const fraction = p.maxOps !== undefined ? Math.max(p.elapsedSec / p.durationSec, p.ops / p.maxOps) : p.elapsedSec / p.durationSec;
      const rate = p.elapsedSec > 0 ? Math.round(p.ops / p.elapsedSec) : 0;
      const errs = p.errors > 0 ? `, ${p.errors} errors` : '';
      if (tty) {
        const filled = Math.round(Math.min(1, fraction) * BAR_WIDTH);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.elapsedSec.toFixed(1)}s ${p.ops} ops ${rate} ops/s${errs}\x1b[K`);
        drawn = true;
      } else if (p.elapsedSec - lastPlain >= PLAIN_EVERY_SEC) {
        lastPlain = p.elapsedSec;
        stream.write(`${label}: ${p.elapsedSec.toFixed(0)}s ${p.ops} ops ${rate} ops/s${errs}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
