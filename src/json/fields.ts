// Converters from internal results to the fields of the JSON contract (src/json/contract.ts).
import type { FaultRules } from '../protocol/fault-rules.js';
import { roundMs } from './contract.js';

/** The rules as the contract names them: `slow` delays are `delayMs`. */
export function faultsJson(rules: FaultRules): { groups: number[][] | null; slow: { node: number; delayMs: number }[] } {
  return { groups: rules.groups === null ? null : rules.groups.map((g) => [...g]), slow: rules.slow.map((s) => ({ node: s.node, delayMs: roundMs(s.ms) })) };
}
