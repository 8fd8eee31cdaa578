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
MEMBERS="${MEMBERS:-1000}"
RATES="${RATES:-100 1000}"
source scripts/bench/common.sh

bench_setup "chatload$$."
# A few users send everything: lift the chat limits too.
export FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_USER=0
export FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_ROOM=0
start_gateway 8282

for rate in $RATES; do
  echo "== one room of $MEMBERS members, $rate messages/s from 10 senders"
  "$BIN" loadgen --chat --gateway ws://127.0.0.1:8282/v1/chat --gateway-pid "${pids[0]}" \
    --source 127.0.0.5 --connections "$MEMBERS" --room-size "$MEMBERS" --senders 10 \
    --rate "$rate" --seconds 20 --idle-seconds 2
done
