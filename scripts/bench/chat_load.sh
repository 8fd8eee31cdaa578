#!/usr/bin/env bash
# Chat load figures on this machine: a gateway reading Kafka (from deploy/local), one room
# of 1,000 members driven by `finstream loadgen --chat` from another loopback address;
# senders post through the WebSocket, so each message takes the whole path (validation,
# Kafka, the fan-out) and the figure is send to receipt.
#
#   scripts/bench/chat_load.sh             # 100 and 1,000 messages/s into one room of 1,000
#
# FINSTREAM_BIN (default: the release build), MEMBERS (1000), RATES (messages per second).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${FINSTREAM_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/finstream/target}/release/finstream}"
[[ -x "$BIN" ]] || { echo "build it first: cargo build --release --bin finstream" >&2; exit 2; }
MEMBERS="${MEMBERS:-1000}"
RATES="${RATES:-100 1000}"

deploy/local/services.sh up kafka
export FINSTREAM__BUS__BACKEND=kafka
export FINSTREAM__KAFKA__BROKERS=127.0.0.1:9092
export FINSTREAM__KAFKA__TOPIC_PREFIX="chatload$$."
export FINSTREAM__GATEWAY__AUTH__REQUIRED=false
# One address opens every connection and a few users send everything: lift the limits.
export FINSTREAM__GATEWAY__LIMITS__REQUESTS_PER_IP=100000000
export FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_USER=0
export FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_ROOM=0
export FINSTREAM__LOG__LEVEL=warn
"$BIN" topics create >/dev/null

logs="$(mktemp -d)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

FINSTREAM__DATA__DIR="$logs/data" "$BIN" gateway --http 127.0.0.1:8282 >"$logs/gateway.log" 2>&1 &
pids+=("$!")
for _ in $(seq 150); do
  curl -sf http://127.0.0.1:8282/ready >/dev/null && break
  sleep 0.2
done
curl -sf http://127.0.0.1:8282/ready >/dev/null || { echo "gateway not ready; see $logs/gateway.log" >&2; exit 1; }

for rate in $RATES; do
  echo "== one room of $MEMBERS members, $rate messages/s from 10 senders"
  "$BIN" loadgen --chat --gateway ws://127.0.0.1:8282/v1/chat --gateway-pid "${pids[0]}" \
    --source 127.0.0.5 --connections "$MEMBERS" --room-size "$MEMBERS" --senders 10 \
    --rate "$rate" --seconds 20 --idle-seconds 2
done
