// A temp dir made before the shutdown hooks exist: a Ctrl-C in between must not leave it behind.
import { rmSync } from 'node:fs';

/** Until the returned function is called, SIGINT/SIGTERM remove `dir` and exit (130/143). */
export function guardTempDir(dir: string): () => void {
  const onSignal = (code: number) => () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  const onInt = onSignal(130);
  const onTerm = onSignal(143);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
