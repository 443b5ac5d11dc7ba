#!/usr/bin/env bash
# Time one node's restart on an existing data dir (e.g. one left by
# `paxos-cli bench --ops 100000 --data-dir DIR`): spawn -> its `ready` event (DB opened, log
# replayed, sockets bound), and the node's own recoveryMs (load + replay). The node is killed after.
#   bash bench/restart-time.sh DATA_DIR NODE_ID
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
D="${1:?usage: restart-time.sh DATA_DIR NODE_ID}"
ID="${2:?usage: restart-time.sh DATA_DIR NODE_ID}"
OUT="$(mktemp)"
trap 'kill -9 "$pid" 2>/dev/null || true; rm -f "$OUT"' EXIT
start=$(date +%s%N)
node "$ROOT/bin/paxos-cli.js" node --id "$ID" --cluster "$D/cluster.json" --data-dir "$D/node-$ID" >"$OUT" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do grep -q '"event":"ready"' "$OUT" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
end=$(date +%s%N)
if ! grep -q '"event":"ready"' "$OUT"; then echo "node $ID did not become ready:"; cat "$OUT"; exit 1; fi
echo "node $ID: spawn->ready $(( (end - start) / 1000000 )) ms; $(grep -o '"recoveryMs":[0-9]*,"replayed":[0-9]*' "$OUT" | tr -d '"')"
