# Shared by the WebSocket load scripts (source it): the release binary, Kafka from
# deploy/local, gateways without credentials or per-IP limits, and their cleanup.
#
#   bench_setup PREFIX      # Kafka up, the environment, topics under PREFIX
#   start_gateway PORT      # a gateway on 127.0.0.1:PORT, waited for until ready
#
# FINSTREAM_BIN (default: the release build) picks the binary.
BIN="${FINSTREAM_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/finstream/target}/release/finstream}"
[[ -x "$BIN" ]] || { echo "build it first: cargo build --release --bin finstream" >&2; exit 2; }

logs="$(mktemp -d)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

bench_setup() {
  deploy/local/services.sh up kafka
  export FINSTREAM__BUS__BACKEND=kafka
  export FINSTREAM__KAFKA__BROKERS=127.0.0.1:9092
  export FINSTREAM__KAFKA__TOPIC_PREFIX="$1"
  export FINSTREAM__GATEWAY__AUTH__REQUIRED=false
  # One address opens every connection here: lift the per-IP limit for the run.
  export FINSTREAM__GATEWAY__LIMITS__REQUESTS_PER_IP=100000000
  export FINSTREAM__LOG__LEVEL=warn
  "$BIN" topics create >/dev/null
}

start_gateway() { # port
  FINSTREAM__DATA__DIR="$logs/data-$1" "$BIN" gateway --http "127.0.0.1:$1" >"$logs/gateway-$1.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$1/ready" >/dev/null && return 0
    sleep 0.2
  done
  echo "gateway on $1 not ready; see $logs/gateway-$1.log" >&2
  exit 1
}
