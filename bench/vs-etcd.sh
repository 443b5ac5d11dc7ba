#!/usr/bin/env bash
# paxos-cli vs etcd, same machine, same load generator, same run: a fresh 5-node paxos-cli
# cluster and a fresh 5-member etcd cluster (loopback, fsync on, data in a temp dir), each
# driven by `paxos-cli bench` at C=1 and C=64 with 100-byte values; prints the ratios.
#   npm run bench:etcd                      # defaults
#   BENCH_DURATION=20 BENCH_WARMUP=3 BENCH_ROUNDS=3 BENCH_NODES=5 BENCH_CLIENTS="1 64" bash bench/vs-etcd.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
NODES="${BENCH_NODES:-5}"
CLIENTS="${BENCH_CLIENTS:-1 64}"
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
echo "vs-etcd: ${DURATION}s per run after ${WARMUP}s warm-up, $ROUNDS round(s), clients: $CLIENTS, ${VALUE_SIZE}-byte values, load: $(cut -d' ' -f1-3 /proc/loadavg)"

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
for ((round = 1; round <= ROUNDS; round++)); do
  for c in $CLIENTS; do
    echo "vs-etcd: round $round: paxos-cli, $NODES nodes, C=$c"
    "${BENCH[@]}" --target paxos --nodes "$NODES" --clients "$c" >"$WORK/paxos-$c-$round.json"
    echo "vs-etcd: round $round: etcd, $NODES members, C=$c"
    before="$(etcd_cpu)"
    "${BENCH[@]}" --target etcd --endpoints "$ENDPOINTS" --clients "$c" >"$WORK/etcd-$c-$round.json"
    # Includes the warm-up: the per-op figure below divides by the measured ops only, so it is an upper bound.
    echo "$(( $(etcd_cpu) - before ))" >"$WORK/etcd-cpu-$c-$round.ticks"
  done
done

node - "$WORK" "$ROUNDS" "$WARMUP" "$DURATION" $CLIENTS <<'JS'
const fs = require('fs');
const [dir, roundsRaw, warmupRaw, durationRaw, ...clients] = process.argv.slice(2);
const rounds = Number(roundsRaw);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rows = [['C', 'system', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'server CPU us/op']];
const ratios = [['C', 'throughput paxos/etcd', 'p50 paxos/etcd', rounds > 1 ? 'per round (throughput, p50)' : '']];
for (const c of clients) {
  const runs = { paxos: [], etcd: [] };
  for (let r = 1; r <= rounds; r++) {
    const p = read(`paxos-${c}-${r}.json`), e = read(`etcd-${c}-${r}.json`);
    // etcd's CPU is counted over warm-up + run; scale to the run's share of the time.
    const ticks = Number(fs.readFileSync(`${dir}/etcd-cpu-${c}-${r}.ticks`, 'utf8'));
    const share = Number(durationRaw) / (Number(durationRaw) + Number(warmupRaw));
    e.cpuUsPerOp = e.set.opCount > 0 ? Math.round(((ticks / 100) * share * 1e6) / e.set.opCount) : 0;
    p.cpuUsPerOp = p.cpu?.serverCpuUsPerOp ?? NaN;
    runs.paxos.push(p); runs.etcd.push(e);
  }
  const med = {};
  for (const [name, label] of [['paxos', 'paxos-cli'], ['etcd', 'etcd']]) {
    const rs = runs[name], m = (f) => median(rs.map(f));
    med[name] = { ops: m((r) => r.set.opsPerSec), p50: m((r) => r.set.p50Ms) };
    const errs = rs.reduce((a, r) => a + Object.values(r.errorCountByCode).reduce((x, y) => x + y, 0), 0);
    rows.push([c, label, m((r) => r.set.opsPerSec).toFixed(0), m((r) => r.set.p50Ms).toFixed(2), m((r) => r.set.p95Ms).toFixed(2),
      m((r) => r.set.p99Ms).toFixed(2), m((r) => r.set.maxMs).toFixed(2), String(errs), String(m((r) => r.cpuUsPerOp))]);
  }
  const each = runs.paxos.map((p, i) => `${(p.set.opsPerSec / runs.etcd[i].set.opsPerSec).toFixed(2)}/${(p.set.p50Ms / runs.etcd[i].set.p50Ms).toFixed(2)}`);
  ratios.push([c, (med.paxos.ops / med.etcd.ops).toFixed(2) + 'x', (med.paxos.p50 / med.etcd.p50).toFixed(2) + 'x', rounds > 1 ? each.join(' ') : '']);
}
const table = (t) => {
  const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
  return t.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
};
console.log('\n' + table(rows) + '\n\n' + table(ratios));
console.log('\n(throughput ratio > 1 and p50 ratio < 1 favour paxos-cli)');
JS
