#!/usr/bin/env bash
# WebSocket load figures for /v1/stream on this machine: gateways reading Kafka (from
# deploy/local), driven by `finstream loadgen` from other loopback addresses.
#
#   scripts/bench/stream_load.sh            # idle, 100k deliveries/s latency (one room per
#                                           # client, and watchlists), saturation
#
# FINSTREAM_BIN (default: the release build), IDLE_CONNECTIONS (19000, one gateway),
# LOAD_CONNECTIONS (10000, rooms of 1000), RATES (bars per second for the saturation runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-19000}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-10000}"
RATES="${RATES:-200 400 800}"
source scripts/bench/common.sh

bench_setup "load$$."
export FINSTREAM__GATEWAY__LIMITS__SUBSCRIPTIONS_PER_KEY=100000000
export FINSTREAM__GATEWAY__LIMITS__WS_MESSAGES_PER_KEY=100000000

start_gateway 8181
gw="${pids[0]}"
echo "== idle: $IDLE_CONNECTIONS connections on one gateway process"
"$BIN" loadgen --gateway ws://127.0.0.1:8181/v1/stream --gateway-pid "$gw" --source 127.0.0.2 \
  --connections "$IDLE_CONNECTIONS" --room-size 1000 --rate 0 --idle-seconds 10

echo "== latency: $LOAD_CONNECTIONS connections in rooms of 1000, 100 bars/s = 100,000 deliveries/s"
"$BIN" loadgen --gateway ws://127.0.0.1:8181/v1/stream --source 127.0.0.3 \
  --connections "$LOAD_CONNECTIONS" --room-size 1000 --rate 100 --seconds 20 --idle-seconds 2

echo "== latency: 1000 connections each watching 100 rooms of 1000, 100 bars/s = 100,000 deliveries/s"
"$BIN" loadgen --gateway ws://127.0.0.1:8181/v1/stream --source 127.0.0.5 \
  --connections 1000 --room-size 1000 --symbols-per-connection 100 --rate 100 --seconds 20 --idle-seconds 2

for rate in $RATES; do
  echo "== saturation: $LOAD_CONNECTIONS connections, $rate bars/s offered"
  "$BIN" loadgen --gateway ws://127.0.0.1:8181/v1/stream --source 127.0.0.4 \
    --connections "$LOAD_CONNECTIONS" --room-size 1000 --rate "$rate" --seconds 15 --idle-seconds 2
done
