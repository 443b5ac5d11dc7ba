#!/usr/bin/env bash
# Runs a 5-node cluster whose node processes write CPU profiles (node --cpu-prof), benches it
# through --cluster, stops the nodes with SIGTERM (which writes the profiles) and prints the
# heaviest functions of the leader's profile by self time. Links are --insecure (no CURVE): the
# profile leaves out encryption, which the real cluster pays.
#   bash bench/profile-nodes.sh [clients] [seconds]
#   BENCH_EXTRA="--read-ratio 1 --read-mode index" bash bench/profile-nodes.sh 64 8   # reads
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${1:-64}"
SECONDS_RUN="${2:-8}"
NODES="${BENCH_NODES:-5}"
cd "$ROOT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/paxos-profile-XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
read -r -a PORTS <<<"$(node -e '
const net = require("net"); const n = Number(process.argv[1]); const servers = [];
(async () => {
  for (let i = 0; i < n; i++) servers.push(await new Promise((ok, ko) => { const s = net.createServer(); s.once("error", ko); s.listen(0, "127.0.0.1", () => ok(s)); }));
  console.log(servers.map((s) => s.address().port).join(" "));
  servers.forEach((s) => s.close());
})();' "$NODES")"
node -e 'const p = process.argv.slice(1).map(Number); console.log(JSON.stringify({ nodes: p.map((port, i) => ({ id: i + 1, host: "127.0.0.1", port })) }))' "${PORTS[@]}" >"$WORK/cluster.json"
for ((i = 1; i <= NODES; i++)); do
  mkdir -p "$WORK/prof-$i"
  node --cpu-prof --cpu-prof-dir="$WORK/prof-$i" bin/paxos-cli.js node --id "$i" --cluster "$WORK/cluster.json" \
    --data-dir "$WORK/node-$i" --parent-pid $$ --insecure >"$WORK/node-$i.out" 2>&1 &
  PIDS+=("$!")
done
node bin/paxos-cli.js bench --cluster "$WORK/cluster.json" --clients "$CLIENTS" --duration "$SECONDS_RUN" --quiet --json ${BENCH_EXTRA:-} >"$WORK/bench.json"
LEADER="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.nodeStats.find((n) => n.role === "leader").id)' "$WORK/bench.json")"
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()
FOLLOWER=$(( LEADER % NODES + 1 ))
echo "bench: $(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify({ set: r.set, get: r.get }))' "$WORK/bench.json")"
for who in "leader:$LEADER" "follower:$FOLLOWER"; do
  id="${who#*:}"
  echo "== ${who%%:*} n$id: top self time =="
  node - "$WORK/prof-$id"/*.cpuprofile <<'JS'
const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const self = new Map(); const dt = p.timeDeltas; let total = 0;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const counts = new Map(); p.samples.forEach((s, i) => { counts.set(s, (counts.get(s) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0; });
for (const [id, us] of counts) {
  const n = byId.get(id); const f = n.callFrame;
  const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, 'nm/').replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + us);
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
// Self time by component, so "where does the time go" has a one-line answer.
const groups = new Map();
for (const [name, us] of self) {
  const g = name.startsWith('(') ? name.split(' ')[0] : /nm\/zod/.test(name) ? 'zod' : /nm\/@msgpack/.test(name) ? 'msgpack'
    : /nm\/(classic-level|abstract-level)/.test(name) ? 'leveldb' : /nm\/zeromq/.test(name) ? 'zeromq' : /dist\/paxos/.test(name) ? 'core'
    : /dist\/node\/transport/.test(name) ? 'zeromq-send' : /dist\//.test(name) ? 'runtime' : 'node-internal';
  groups.set(g, (groups.get(g) ?? 0) + us);
}
console.log([...groups].filter(([g]) => g !== '(idle)').sort((a, b) => b[1] - a[1]).map(([g, us]) => `${g} ${(us / 1e3).toFixed(0)}ms`).join(', '));
const idle = (self.get('(idle) :0') ?? 0);
console.log(`total ${(total / 1e6).toFixed(2)} s, busy ${((total - idle) / 1e6).toFixed(2)} s`);
for (const [n, us] of top) console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms  ${(100 * us / total).toFixed(1).padStart(5)}%  ${n}`);
JS
done
echo "profiles kept in $WORK/prof-*/ (open in Chrome DevTools > Performance)"
