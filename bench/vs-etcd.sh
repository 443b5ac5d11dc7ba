#!/usr/bin/env bash
# paxos-cli vs etcd, same machine, same load generator, same run: a fresh 5-node paxos-cli
# cluster and a fresh 5-member etcd cluster (loopback, fsync on, data in a temp dir), each
# driven by `paxos-cli bench` with 100-byte values; prints the ratios. Workloads (BENCH_WORKLOADS):
# w = writes only, r = reads only, m = 90 % reads, each at C clients (w:64 = writes, 64 clients).
# paxos-cli's reads run once per BENCH_READ_MODES mode (index = read index, lease = leader lease,
# log = a log slot per read); etcd's are its default linearizable reads (the etcd3 client's
# range requests are serializable=false, i.e. ReadIndex).
#   npm run bench:etcd                      # defaults
#   BENCH_DURATION=20 BENCH_WARMUP=3 BENCH_ROUNDS=3 BENCH_NODES=5 BENCH_WORKLOADS="w:1 w:64 r:1 r:64 m:64" bash bench/vs-etcd.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
NODES="${BENCH_NODES:-5}"
WORKLOADS="${BENCH_WORKLOADS:-w:1 w:64 r:1 r:64 m:64}"
READ_MODES="${BENCH_READ_MODES:-index lease}"
VALUE_SIZE="${BENCH_VALUE_SIZE:-100}"
WARMUP="${BENCH_WARMUP:-3}"
# Rounds alternate paxos-cli and etcd; the table gives the median of each figure over the rounds.
ROUNDS="${BENCH_ROUNDS:-1}"

if ! command -v etcd >/dev/null 2>&1; then
  echo "vs-etcd: the etcd binary is not installed, so there is nothing to compare against; skipping."
  echo "vs-etcd: install it with: sudo apt-get update && sudo apt-get install -y etcd-server   (Debian/Ubuntu)"
  echo "vs-etcd: or download a release from https://github.com/etcd-io/etcd/releases and put etcd on PATH."
  exit 0
fi

cd "$ROOT"
if [ ! -f dist/cli/main.js ] || [ ! -f dist/bench/bench-command.js ]; then
  echo "vs-etcd: building first (npm run build)"
  npm run --silent build
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/paxos-vs-etcd-XXXXXX")"
ETCD_PIDS=()
cleanup() {
  for pid in "${ETCD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ETCD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2*NODES free loopback ports, asked of the kernel.
read -r -a PORTS <<<"$(node -e '
const net = require("net"); const n = Number(process.argv[1]); const servers = [];
(async () => {
  for (let i = 0; i < n; i++) servers.push(await new Promise((ok, ko) => { const s = net.createServer(); s.once("error", ko); s.listen(0, "127.0.0.1", () => ok(s)); }));
  console.log(servers.map((s) => s.address().port).join(" "));
  servers.forEach((s) => s.close());
})();' $((2 * NODES)))"

INITIAL=""
ENDPOINTS=""
for ((i = 0; i < NODES; i++)); do
  INITIAL+="${INITIAL:+,}m$i=http://127.0.0.1:${PORTS[$((2 * i + 1))]}"
  ENDPOINTS+="${ENDPOINTS:+,}http://127.0.0.1:${PORTS[$((2 * i))]}"
done
for ((i = 0; i < NODES; i++)); do
  cport="${PORTS[$((2 * i))]}"
  pport="${PORTS[$((2 * i + 1))]}"
  # etcd fsyncs its WAL before acknowledging by default (no --unsafe-no-fsync here).
  etcd --name "m$i" --data-dir "$WORK/etcd-m$i" \
    --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$INITIAL" --initial-cluster-state new --initial-cluster-token "vs-etcd-$$" \
    --logger zap --log-level error >"$WORK/etcd-m$i.log" 2>&1 &
  ETCD_PIDS+=("$!")
done
echo "vs-etcd: etcd $(etcd --version | head -1 | awk '{print $3}'), $NODES members at $ENDPOINTS"
echo "vs-etcd: ${DURATION}s per run after ${WARMUP}s warm-up, $ROUNDS round(s), workloads: $WORKLOADS, paxos read modes: $READ_MODES, ${VALUE_SIZE}-byte values, load: $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU seconds (user+system) used so far by all etcd members together.
etcd_cpu() {
  local total=0 pid f
  for pid in "${ETCD_PIDS[@]}"; do
    read -r -a f <"/proc/$pid/stat" || continue
    # utime and stime are fields 14 and 15 (etcd's command name has no spaces).
    total=$((total + f[13] + f[14]))
  done
  echo "$total"
}

BENCH=(node bin/paxos-cli.js bench --duration "$DURATION" --warmup "$WARMUP" --value-size "$VALUE_SIZE" --json --quiet)
ratio_of() { case "$1" in w) echo 0 ;; r) echo 1 ;; m) echo 0.9 ;; *) echo "vs-etcd: unknown workload $1 (w, r or m)" >&2; exit 2 ;; esac; }
for ((round = 1; round <= ROUNDS; round++)); do
  for wl in $WORKLOADS; do
    kind="${wl%%:*}" c="${wl##*:}" rr="$(ratio_of "${wl%%:*}")"
    modes="index"
    [ "$kind" != w ] && modes="$READ_MODES"
    for mode in $modes; do
      echo "vs-etcd: round $round: paxos-cli, $NODES nodes, $wl, reads by $mode"
      "${BENCH[@]}" --target paxos --nodes "$NODES" --clients "$c" --read-ratio "$rr" --read-mode "$mode" >"$WORK/paxos-$kind-$c-$mode-$round.json"
    done
    echo "vs-etcd: round $round: etcd, $NODES members, $wl"
    before="$(etcd_cpu)"
    "${BENCH[@]}" --target etcd --endpoints "$ENDPOINTS" --clients "$c" --read-ratio "$rr" >"$WORK/etcd-$kind-$c-$round.json"
    echo "$(( $(etcd_cpu) - before ))" >"$WORK/etcd-cpu-$kind-$c-$round.ticks"
  done
done

node - "$WORK" "$ROUNDS" "$WARMUP" "$DURATION" "$READ_MODES" $WORKLOADS <<'JS'
const fs = require('fs');
const [dir, roundsRaw, warmupRaw, durationRaw, modesRaw, ...workloads] = process.argv.slice(2);
const rounds = Number(roundsRaw);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const names = { w: 'writes', r: 'reads', m: '90% reads' };
const rows = [['workload', 'C', 'system', 'ops/s', 'op', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'server CPU us/op']];
const ratios = [['workload', 'C', 'paxos-cli', 'throughput paxos/etcd', 'p50 paxos/etcd']];
for (const wl of workloads) {
  const [kind, c] = wl.split(':');
  const op = kind === 'w' ? 'set' : 'get';
  const modes = kind === 'w' ? ['index'] : modesRaw.split(' ').filter(Boolean);
  const total = (r) => r.set.opsPerSec + r.get.opsPerSec;
  const summary = (rs, cpuOf) => ({
    ops: median(rs.map(total)), p50: median(rs.map((r) => r[op].p50Ms)), p95: median(rs.map((r) => r[op].p95Ms)),
    p99: median(rs.map((r) => r[op].p99Ms)), errs: rs.reduce((a, r) => a + Object.values(r.errorCountByCode).reduce((x, y) => x + y, 0), 0),
    cpu: median(rs.map(cpuOf)),
  });
  const etcdRuns = [];
  for (let r = 1; r <= rounds; r++) {
    const e = read(`etcd-${kind}-${c}-${r}.json`);
    // etcd's CPU is counted over warm-up + run; scale to the run's share of the time.
    const ticks = Number(fs.readFileSync(`${dir}/etcd-cpu-${kind}-${c}-${r}.ticks`, 'utf8'));
    const share = Number(durationRaw) / (Number(durationRaw) + Number(warmupRaw));
    const ops = e.set.opCount + e.get.opCount;
    e.cpuUsPerOp = ops > 0 ? Math.round(((ticks / 100) * share * 1e6) / ops) : 0;
    etcdRuns.push(e);
  }
  const e = summary(etcdRuns, (r) => r.cpuUsPerOp);
  const line = (label, s) => [names[kind], c, label, s.ops.toFixed(0), op, s.p50.toFixed(2), s.p95.toFixed(2), s.p99.toFixed(2), String(s.errs), String(s.cpu)];
  for (const mode of modes) {
    const runs = [];
    for (let r = 1; r <= rounds; r++) runs.push(read(`paxos-${kind}-${c}-${mode}-${r}.json`));
    const p = summary(runs, (r) => r.cpu?.serverCpuUsPerOp ?? NaN);
    const label = kind === 'w' ? 'paxos-cli' : `paxos-cli (${mode})`;
    rows.push(line(label, p));
    ratios.push([names[kind], c, kind === 'w' ? '' : mode, (p.ops / e.ops).toFixed(2) + 'x', (p.p50 / e.p50).toFixed(2) + 'x']);
  }
  rows.push(line(kind === 'w' ? 'etcd' : 'etcd (linearizable)', e));
}
const table = (t) => {
  const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
  return t.map((r) => r.map((c, i) => (i < 3 || i === 4 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
};
console.log('\n' + table(rows) + '\n\n' + table(ratios));
console.log('\n(ops/s counts every operation; p50 is of the workload\'s main op: set for writes, get otherwise)');
console.log('(throughput ratio > 1 and p50 ratio < 1 favour paxos-cli)');
JS
