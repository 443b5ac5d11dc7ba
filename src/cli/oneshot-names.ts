// The REPL commands that also run once from the shell (`paxos-cli get k --cluster FILE`): what a
// second terminal or a script needs, and heal/resume/trace off to undo what a session that died left
// behind, and the membership commands (add and replace only in the terminal that runs the nodes).
// Apart from their code, so `paxos-cli --help` lists them without loading it.
export const ONESHOT_COMMANDS = ['get', 'set', 'del', 'keys', 'status', 'leader', 'diff', 'stop', 'heal', 'resume', 'trace', 'add', 'remove', 'replace', 'transfer', 'members'] as const;
export type OneshotName = (typeof ONESHOT_COMMANDS)[number];
