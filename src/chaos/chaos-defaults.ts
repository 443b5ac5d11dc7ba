// One table of chaos's defaults: the `chaos` command, the REPL's `chaos` and its help read it.
// Its own file, importing nothing, so the REPL's help costs no load of the chaos machinery.
export const CHAOS_DEFAULTS = { durationSec: 30, clients: 5, keys: 8 } as const;
