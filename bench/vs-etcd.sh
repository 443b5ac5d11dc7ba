#!/usr/bin/env bash
# paxos-cli vs etcd, same machine, same load generator, same run: a fresh 5-node paxos-cli
# cluster and a fresh 5-member etcd cluster (loopback, fsync on, data in a temp dir), each
# driven by `paxos-cli bench` at C=1 and C=64 with 100-byte values; prints the ratios.
#   npm run bench:etcd                      # defaults
#   BENCH_DURATION=20 BENCH_NODES=5 BENCH_CLIENTS="1 64" bash bench/vs-etcd.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
NODES="${BENCH_NODES:-5}"
CLIENTS="${BENCH_CLIENTS:-1 64}"
VALUE_SIZE="${BENCH_VALUE_SIZE:-100}"

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
echo "vs-etcd: ${DURATION}s per run, clients: $CLIENTS, ${VALUE_SIZE}-byte values, load: $(cut -d' ' -f1-3 /proc/loadavg)"

BENCH=(node bin/paxos-cli.js bench --duration "$DURATION" --value-size "$VALUE_SIZE" --json --quiet)
for c in $CLIENTS; do
  echo "vs-etcd: paxos-cli, $NODES nodes, C=$c"
  "${BENCH[@]}" --target paxos --nodes "$NODES" --clients "$c" >"$WORK/paxos-$c.json"
  echo "vs-etcd: etcd, $NODES members, C=$c"
  "${BENCH[@]}" --target etcd --endpoints "$ENDPOINTS" --clients "$c" >"$WORK/etcd-$c.json"
done

node - "$WORK" $CLIENTS <<'JS'
const fs = require('fs');
const [dir, ...clients] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const rows = [['C', 'system', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors']];
const ratios = [['C', 'throughput paxos/etcd', 'p50 paxos/etcd']];
for (const c of clients) {
  const p = read(`paxos-${c}.json`), e = read(`etcd-${c}.json`);
  for (const [name, r] of [['paxos-cli', p], ['etcd', e]]) {
    const s = r.set, errs = Object.values(r.errors).reduce((a, b) => a + b, 0);
    rows.push([c, name, s.opsPerSec.toFixed(0), s.p50Ms.toFixed(2), s.p95Ms.toFixed(2), s.p99Ms.toFixed(2), s.maxMs.toFixed(2), String(errs)]);
  }
  ratios.push([c, (p.set.opsPerSec / e.set.opsPerSec).toFixed(2) + 'x', (p.set.p50Ms / e.set.p50Ms).toFixed(2) + 'x']);
}
const table = (t) => {
  const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
  return t.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
};
console.log('\n' + table(rows) + '\n\n' + table(ratios));
console.log('\n(throughput ratio > 1 and p50 ratio < 1 favour paxos-cli)');
JS
