#!/usr/bin/env bash
# What the message trace (messages.ndjson) costs: fresh clusters with and without it, the same
# write load, alternated within one run so the machine's drift falls on both; prints the medians
# and their ratios. It would have stayed on by default only if it cost under 5 %; it cost 8-9 %,
# so it is off by default and this compares `bench` (no trace) with `bench --trace`.
#   bash bench/trace-cost.sh
#   TRACE_ROUNDS=8 TRACE_CLIENTS=64 TRACE_DURATION=5 TRACE_NODES=5 bash bench/trace-cost.sh
# Two figures: write throughput, and the nodes' CPU per write (user+system, all nodes). On a
# shared 2-core machine the throughput of one run swings by +-20 %; CPU per operation swings
# far less, so it is the figure to trust for a small difference.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${TRACE_ROUNDS:-6}"
CLIENTS="${TRACE_CLIENTS:-64}"
DURATION="${TRACE_DURATION:-5}"
NODES="${TRACE_NODES:-5}"

cd "$ROOT"
if [ ! -f dist/cli/main.js ]; then
  echo "trace-cost: building first (npm run build)"
  npm run --silent build
fi

OUT="$(mktemp "${TMPDIR:-/tmp}/paxos-trace-cost-XXXXXX")"
trap 'rm -f "$OUT"' EXIT

run() { # $1 = on|off
  local extra=()
  [ "$1" = on ] && extra=(--trace)
  node bin/paxos-cli.js bench --nodes "$NODES" -c "$CLIENTS" -d "$DURATION" --no-record --json -q "${extra[@]}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(process.argv[1],j.set.opsPerSec,j.cpu.serverCpuUsPerOp)})' "$1" >>"$OUT"
  tail -n 1 "$OUT" | awk '{printf "trace-cost: trace %-3s %8.1f writes/s  %6.1f us CPU/write\n", $1, $2, $3}'
}

for ((i = 1; i <= ROUNDS; i++)); do
  # Alternate which goes first, so neither always runs on a warmer (or busier) machine.
  if ((i % 2)); then run on; run off; else run off; run on; fi
done

node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pick = (on, col) => median(rows.filter((r) => (r[0] === "on") === on).map((r) => Number(r[col])));
const [tOn, tOff, cOn, cOff] = [pick(true, 1), pick(false, 1), pick(true, 2), pick(false, 2)];
console.log(`trace-cost: medians over ${rows.length / 2} rounds: writes/s on ${tOn.toFixed(1)} off ${tOff.toFixed(1)} (on/off ${(tOn / tOff).toFixed(3)}); CPU/write on ${cOn.toFixed(1)} us off ${cOff.toFixed(1)} us (on/off ${(cOn / cOff).toFixed(3)})`);
' "$OUT"
