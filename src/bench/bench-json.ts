// bench's JSON line in the contract's names (src/json/contract.ts, docs/json.md): counts as
// counts, times in ms to 0.01; the table and the report object inside bench stay as they are.
import { roundMs } from '../json/contract.js';
import type { BenchReport } from './format-report.js';
import type { OpSummary } from './latency-recorder.js';
import type { RestartResult } from './paxos-target.js';
import type { VerifyResult } from './workload.js';

function opStats(s: OpSummary): Record<string, number> {
  return { opCount: s.ops, opsPerSec: s.opsPerSec, p50Ms: roundMs(s.p50Ms), p95Ms: roundMs(s.p95Ms), p99Ms: roundMs(s.p99Ms), maxMs: roundMs(s.maxMs) };
}

const secToMs = (sec: number): number => roundMs(sec * 1000);

interface Cpu {
  clientSec: number;
  clientUsPerOp: number;
  serverSec?: (number | null)[];
  serverTotalSec?: number;
  serverUsPerOp?: number;
}

function cpuJson(c: Cpu): Record<string, unknown> {
  return {
    clientCpuMs: secToMs(c.clientSec),
    clientCpuUsPerOp: c.clientUsPerOp,
    ...(c.serverSec !== undefined ? { serverCpuMs: c.serverSec.map((s) => (s === null ? null : secToMs(s))) } : {}),
    ...(c.serverTotalSec !== undefined ? { serverCpuTotalMs: secToMs(c.serverTotalSec) } : {}),
    ...(c.serverUsPerOp !== undefined ? { serverCpuUsPerOp: c.serverUsPerOp } : {}),
  };
}

export function benchJson(r: BenchReport, extra: { verify?: VerifyResult; restart?: RestartResult }): Record<string, unknown> {
  const { target, clients, valueSize, readRatio, keys, durationSec, set, get, errors, cpu, nodes, nodeStats, dataDirBytesPerNode, dataDir, endpoints } = r;
  const v = extra.verify;
  const rs = extra.restart;
  return {
    target,
    clientCount: clients,
    valueBytes: valueSize,
    readRatio,
    keyCount: keys,
    durationMs: secToMs(durationSec),
    ...(r.interrupted === true ? { interrupted: true } : {}),
    set: opStats(set),
    get: opStats(get),
    errorCountByCode: errors,
    cpu: cpuJson(cpu as Cpu),
    ...(typeof nodes === 'number' ? { nodeCount: nodes } : {}),
    ...(nodeStats !== undefined ? { nodeStats } : {}),
    ...(dataDirBytesPerNode !== undefined ? { nodeDataDirBytes: dataDirBytesPerNode } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(typeof r.readMode === 'string' ? { readMode: r.readMode } : {}),
    ...(typeof r.traced === 'boolean' ? { traced: r.traced } : {}),
    ...(endpoints !== undefined ? { endpoints } : {}),
    ...(v !== undefined
      ? { verify: { keyCount: v.keys, mismatchCount: v.mismatches, ambiguousCount: v.ambiguous, ...(v.firstMismatch !== undefined ? { firstMismatch: v.firstMismatch } : {}) } }
      : {}),
    ...(rs !== undefined
      ? {
          restart: {
            node: rs.node,
            chosenEntryCount: rs.chosenEntries,
            dataDirBytes: rs.dataDirBytes,
            spawnToReadyMs: roundMs(rs.spawnToReadyMs),
            spawnToServingMs: roundMs(rs.spawnToServingMs),
          },
        }
      : {}),
  };
}
