#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted bash -c snippets get their values as $0, $1, ...
# deploy/local/services.sh - run Kafka (KRaft), Redis, Cassandra, a schema registry (Apicurio,
# Confluent-compatible API) and an S3-compatible object store (moto's server, from PyPI) for tests on
# loopback, as plain background processes (no Docker).
# See deploy/local/README.md.
#
#   services.sh up|down|status|env [kafka|redis|cassandra|registry|s3 ...]     (default: all five)
#
# All state (jars, data, logs, pid files) lives under ${FINSTREAM_LOCAL_DIR:-$HOME/.cache/finstream/local}.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"

if [[ -z "${HOME:-}" ]]; then
  HOME="$(getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6 || true)"
  HOME="${HOME:-/tmp}"
fi

STATE_DIR="${FINSTREAM_LOCAL_DIR:-$HOME/.cache/finstream/local}"
M2_REPO="${FINSTREAM_LOCAL_M2_REPO:-$STATE_DIR/m2}"
HOST=127.0.0.1

KAFKA_PORT="${FINSTREAM_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${FINSTREAM_KAFKA_CONTROLLER_PORT:-9093}"
REDIS_PORT="${FINSTREAM_REDIS_PORT:-6379}"
CASSANDRA_PORT="${FINSTREAM_CASSANDRA_PORT:-9042}"
CASSANDRA_STORAGE_PORT="${FINSTREAM_CASSANDRA_STORAGE_PORT:-7000}"
REGISTRY_PORT="${FINSTREAM_REGISTRY_PORT:-8081}"
S3_PORT="${FINSTREAM_S3_PORT:-9000}"
# moto serves S3 (and the other AWS APIs) from a virtualenv of its own, pinned
MOTO_VERSION=5.2.5
S3_VENV="${FINSTREAM_S3_VENV:-$HOME/.cache/finstream/venv-s3}"
# where Apicurio serves the Confluent Schema Registry API (what a Confluent client takes as its URL)
REGISTRY_API_PATH=/apis/ccompat/v7

KAFKA_HEAP="${FINSTREAM_KAFKA_HEAP:-512m}"
CASSANDRA_HEAP="${FINSTREAM_CASSANDRA_HEAP:-1G}"
REGISTRY_HEAP="${FINSTREAM_REGISTRY_HEAP:-256m}"

KAFKA_TIMEOUT="${FINSTREAM_KAFKA_START_TIMEOUT:-120}"
REDIS_TIMEOUT="${FINSTREAM_REDIS_START_TIMEOUT:-30}"
CASSANDRA_TIMEOUT="${FINSTREAM_CASSANDRA_START_TIMEOUT:-180}"
REGISTRY_TIMEOUT="${FINSTREAM_REGISTRY_START_TIMEOUT:-90}"
S3_TIMEOUT="${FINSTREAM_S3_START_TIMEOUT:-60}"
STOP_TIMEOUT="${FINSTREAM_STOP_TIMEOUT:-60}"

ALL_SERVICES=(redis kafka cassandra registry s3)

# ---------------------------------------------------------------------------------------------
# helpers

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
usage: $(basename "$0") up|down|reset|status|env [kafka|redis|cassandra|registry|s3 ...]

  up       fetch (first time) and start the services, wait until they answer
  down     stop them (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
  reset    stop them and delete their data (topics, tables, keys); downloads are kept
  status   one line per service: running/stopped, pid, port
  env      print shell exports for the tests:  eval "\$($(basename "$0") env)"

state dir: $STATE_DIR   (FINSTREAM_LOCAL_DIR)
ports:     kafka $KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT), redis $REDIS_PORT,
           cassandra $CASSANDRA_PORT (storage $CASSANDRA_STORAGE_PORT), registry $REGISTRY_PORT, s3 $S3_PORT
EOF
}

for _v in KAFKA_PORT KAFKA_CONTROLLER_PORT REDIS_PORT CASSANDRA_PORT CASSANDRA_STORAGE_PORT REGISTRY_PORT S3_PORT \
          KAFKA_TIMEOUT REDIS_TIMEOUT CASSANDRA_TIMEOUT REGISTRY_TIMEOUT S3_TIMEOUT STOP_TIMEOUT; do
  [[ "${!_v}" =~ ^[0-9]+$ ]] || die "$_v must be a number, got '${!_v}'"
done
unset _v

svc_dir() { printf '%s/%s' "$STATE_DIR" "$1"; }
pid_file() { printf '%s/%s/%s.pid' "$STATE_DIR" "$1" "$1"; }

svc_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    cassandra) echo "$CASSANDRA_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
    s3) echo "$S3_PORT" ;;
  esac
}

# every port a service binds (checked for conflicts before a start)
svc_ports() {
  case "$1" in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    cassandra) echo "$CASSANDRA_PORT $CASSANDRA_STORAGE_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
    s3) echo "$S3_PORT" ;;
  esac
}

# a string the service's command line must contain (guards against a recycled pid)
svc_pattern() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    redis) echo "redis-server" ;;
    cassandra) echo "CassandraDaemon" ;;
    registry) echo "apicurio-registry-app" ;;
    s3) echo "moto_server" ;;
  esac
}

svc_logs() {
  local d; d="$(svc_dir "$1")/logs"
  case "$1" in
    kafka) echo "$d/server.log $d/kafka.out" ;;
    redis) echo "$d/redis.log $d/redis.out" ;;
    cassandra) echo "$d/system.log $d/cassandra.out" ;;
    registry) echo "$d/registry.log $d/registry.out" ;;
    s3) echo "$d/s3.out" ;;
  esac
}

proc_cmdline() {
  if [[ -r "/proc/$1/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -p "$1" -o args= 2>/dev/null || true
  fi
}

# prints the pid and succeeds when the service runs (pid file + live process + matching command)
running_pid() {
  local f pid cmd
  f="$(pid_file "$1")"
  [[ -s "$f" ]] || return 1
  pid="$(tr -cd '0-9' <"$f")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(proc_cmdline "$pid")"            # empty for a zombie
  [[ "$cmd" == *"$(svc_pattern "$1")"* ]] || return 1
  echo "$pid"
}

port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

declare -A LOG_OFFSET=()

# remember where the service's logs end now, so a failed start shows only its own lines
mark_logs() {
  local f
  for f in $(svc_logs "$1"); do
    LOG_OFFSET["$f"]="$(stat -c %s "$f" 2>/dev/null || echo 0)"
  done
}

show_logs() {
  local f off
  for f in $(svc_logs "$1"); do
    [[ -s "$f" ]] || continue
    off="${LOG_OFFSET["$f"]:-0}"
    (($(stat -c %s "$f") >= off)) || off=0 # rotated meanwhile
    printf '[services] ---- %s (last lines) ----\n' "$f" >&2
    tail -c +"$((off + 1))" "$f" | tail -n 40 | cut -c1-400 >&2 || true
  done
  printf '[services] ---- end of logs ----\n' >&2
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

JAVA=""
need_java() {
  [[ -n "$JAVA" ]] && return 0
  JAVA="$(java_bin)"
  [[ -n "$JAVA" ]] || die "java not found (JAVA_HOME or PATH): Kafka 4 and Cassandra 5 need a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)"
  local ver major
  ver="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  major="${ver%%.*}"
  [[ "$major" == 1 ]] && major="$(cut -d. -f2 <<<"$ver")"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot tell the version of $JAVA ('$ver')"
  (( major >= 17 )) || die "$JAVA is Java $ver: Kafka 4 and Cassandra 5 here need Java 17 (Debian: apt-get install -y openjdk-17-jdk-headless)"
  JAVA_MAJOR="$major"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found: Maven is needed once to fetch the jars from Maven Central (Debian: apt-get install -y maven)"
}

# Copies the runtime dependencies of deploy/local/<svc>/pom.xml to <state>/<svc>/libs, unless the
# jars for this exact pom are already there (marker: libs/.fetched holds the pom's sha256).
# A .tar.gz among them (a release distribution) is unpacked in libs and removed.
fetch_jars() {
  local svc="$1" pom="$SCRIPT_DIR/$1/pom.xml" dir libs hash work archive
  dir="$(svc_dir "$svc")"
  libs="$dir/libs"
  hash="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f "$libs/.fetched" && "$(cat "$libs/.fetched")" == "$hash" ]]; then
    return 0
  fi
  need_mvn
  log "$svc: fetching jars from Maven Central (first run, takes a minute) ..."
  work="$dir/fetch"
  rm -rf "$work" "$libs.new"
  mkdir -p "$work" "$M2_REPO"
  cp "$pom" "$work/pom.xml"
  if ! (cd "$work" && mvn -B -q -f "$work/pom.xml" -Dmaven.repo.local="$M2_REPO" \
          dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs.new" \
          >"$work/mvn.log" 2>&1 </dev/null); then
    tail -n 40 "$work/mvn.log" >&2 || true
    die "$svc: fetching jars with mvn failed (full log: $work/mvn.log)"
  fi
  for archive in "$libs.new"/*.tar.gz; do
    [[ -f "$archive" ]] || continue
    tar -xzf "$archive" -C "$libs.new" </dev/null || die "$svc: unpacking $archive failed"
    rm -f "$archive"
  done
  rm -rf "$libs"
  mv "$libs.new" "$libs"
  echo "$hash" >"$libs/.fetched"
  log "$svc: $(find "$libs" -name '*.jar' | wc -l) jars in $libs"
}

# Starts "$@" detached (own session, stdin from /dev/null, output to $out, no inherited fds
# beyond 0-2), in directory $dir; the process writes its own pid to the service's pid file.
launch() {
  local svc="$1" dir="$2" out="$3" pf i
  shift 3
  pf="$(pid_file "$svc")"
  rm -f "$pf"
  mark_logs "$svc"
  (
    cd "$dir"
    exec setsid bash -c '
      pf="$1"; shift
      for fd in /proc/$$/fd/*; do
        fd="${fd##*/}"
        [[ "$fd" =~ ^[0-9]+$ ]] && (( fd > 2 )) && eval "exec $fd>&-" 2>/dev/null
      done
      echo "$$" >"$pf"
      exec nohup "$@"
    ' launch "$pf" "$@" >>"$out" 2>&1 </dev/null
  ) &
  for ((i = 0; i < 100; i++)); do
    [[ -s "$pf" ]] && return 0
    sleep 0.1
  done
  die "$svc: the process did not start (see $out)"
}

# Refuses to start when one of the service's ports is taken by something else.
check_ports_free() {
  local svc="$1" p
  for p in $(svc_ports "$svc"); do
    if port_open "$p"; then
      die "$svc: port $HOST:$p is already in use by another process (not started by this script); stop it or set the FINSTREAM_*_PORT variables"
    fi
  done
}

# wait_healthy <svc> <timeout-s> <check-function>
wait_healthy() {
  local svc="$1" timeout="$2" check="$3" start=$SECONDS
  while :; do
    if ! running_pid "$svc" >/dev/null; then
      log "$svc: ERROR: the process exited during startup"
      show_logs "$svc"
      return 1
    fi
    if "$check"; then
      log "$svc: ready on $HOST:$(svc_port "$svc") ($((SECONDS - start))s)"
      return 0
    fi
    if ((SECONDS - start >= timeout)); then
      log "$svc: ERROR: not healthy after ${timeout}s (pid $(running_pid "$svc" || echo '?') still running; 'services.sh down $svc' stops it)"
      show_logs "$svc"
      return 1
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Kafka (KRaft combined mode, one node)

kafka_java_tool() { # <main class> args... : a short-lived JVM with the Kafka jars (bounded by a timeout)
  local d; d="$(svc_dir kafka)"
  timeout 120 "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$d/conf/tools-log4j2.xml" -cp "$d/libs/*" "$@" </dev/null
}

kafka_prepare() {
  local d conf id
  need_java
  fetch_jars kafka
  d="$(svc_dir kafka)"
  mkdir -p "$d/conf" "$d/data" "$d/logs"
  cp "$SCRIPT_DIR/kafka/log4j2.xml" "$d/conf/log4j2.xml"
  cp "$SCRIPT_DIR/kafka/tools-log4j2.xml" "$d/conf/tools-log4j2.xml"
  conf="$d/conf/server.properties"
  cat >"$conf" <<EOF
# generated by deploy/local/services.sh - edits are overwritten on the next 'up'
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$d/data

# single node test box
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  # format the storage once; a restart reuses it
  if [[ ! -f "$d/data/meta.properties" ]]; then
    if [[ ! -s "$d/cluster.id" ]]; then
      # a Kafka cluster id is 16 random bytes, base64url without padding; like Kafka's own
      # Uuid.randomUuid, draw again when it starts with "-", which the storage tool's
      # argument parser would take for an option (1 time in 64)
      local fresh
      fresh="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
      while [[ "$fresh" == -* ]]; do
        fresh="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
      done
      echo -n "$fresh" >"$d/cluster.id"
    fi
    id="$(cat "$d/cluster.id")"
    log "kafka: formatting storage in $d/data (cluster id $id)"
    if ! kafka_java_tool kafka.tools.StorageTool format --standalone -t "$id" -c "$conf" \
          >"$d/logs/format.log" 2>&1 </dev/null; then
      cat "$d/logs/format.log" >&2
      die "kafka: formatting the storage failed"
    fi
    echo "$KAFKA_CONTROLLER_PORT" >"$d/controller.port"
  elif [[ -s "$d/controller.port" && "$(cat "$d/controller.port")" != "$KAFKA_CONTROLLER_PORT" ]]; then
    die "kafka: the storage in $d/data was formatted with controller port $(cat "$d/controller.port"), not $KAFKA_CONTROLLER_PORT; use that port or delete $d/data to start afresh"
  fi
}

kafka_start() {
  local d; d="$(svc_dir kafka)"
  launch kafka "$d" "$d/logs/kafka.out" \
    "$JAVA" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -server \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$d/logs" -Dlog4j2.configurationFile="$d/conf/log4j2.xml" \
    -cp "$d/libs/*" kafka.Kafka "$d/conf/server.properties"
}

kafka_check() {
  port_open "$KAFKA_PORT" || return 1
  need_java
  # a metadata round trip: the broker lists its topics
  kafka_java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --list \
    >/dev/null 2>>"$(svc_dir kafka)/logs/health.log"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_prepare() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      log "redis: redis-server not found, installing it with apt-get ..."
      mkdir -p "$(svc_dir redis)/logs"
      local apt_log; apt_log="$(svc_dir redis)/logs/apt.log"
      if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server; } >"$apt_log" 2>&1 </dev/null; then
        tail -n 30 "$apt_log" >&2 || true
        die "redis: apt-get install redis-server failed (log: $apt_log)"
      fi
    else
      die "redis-server/redis-cli not found: install them (Debian/Ubuntu: sudo apt-get install -y redis-server)"
    fi
  fi
  mkdir -p "$(svc_dir redis)/data" "$(svc_dir redis)/logs"
}

redis_start() {
  local d; d="$(svc_dir redis)"
  # --daemonize no: launch() detaches it and records its pid like the JVMs (redis writes the same pid).
  launch redis "$d" "$d/logs/redis.out" \
    redis-server --daemonize no --bind "$HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$(pid_file redis)" --logfile "$d/logs/redis.log" --dir "$d/data"
}

redis_check() {
  [[ "$(timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

# ---------------------------------------------------------------------------------------------
# Cassandra 5

cassandra_prepare() {
  local d tpl yaml
  need_java
  if ((JAVA_MAJOR != 17)); then
    log "cassandra: warning: Cassandra 5.0 supports Java 11 and 17; $JAVA is Java $JAVA_MAJOR"
  fi
  fetch_jars cassandra
  d="$(svc_dir cassandra)"
  mkdir -p "$d/conf" "$d/logs" "$d/data" "$d/commitlog" "$d/saved_caches" "$d/hints" "$d/cdc_raw"
  cp "$SCRIPT_DIR/cassandra/logback.xml" "$d/conf/logback.xml"
  tpl="$(cat "$SCRIPT_DIR/cassandra/cassandra.yaml.in")"
  yaml="${tpl//@STATE_DIR@/$d}"
  yaml="${yaml//@HOST@/$HOST}"
  yaml="${yaml//@NATIVE_PORT@/$CASSANDRA_PORT}"
  yaml="${yaml//@STORAGE_PORT@/$CASSANDRA_STORAGE_PORT}"
  printf '# generated by deploy/local/services.sh from deploy/local/cassandra/cassandra.yaml.in\n%s\n' "$yaml" \
    >"$d/conf/cassandra.yaml"
}

cassandra_start() {
  local d jamm
  d="$(svc_dir cassandra)"
  jamm="$(find "$d/libs" -maxdepth 1 -name 'jamm-*.jar' | head -n1)"
  [[ -n "$jamm" ]] || die "cassandra: no jamm jar in $d/libs (delete $d/libs to fetch again)"
  local opts=(
    -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP"
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
    -XX:G1RSetUpdatingPauseTimePercent=5 -XX:MaxGCPauseMillis=300 -XX:InitiatingHeapOccupancyPercent=70
    -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
    -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true
    # JPMS flags of Cassandra's conf/jvm17-server.options
    -Djdk.attach.allowAttachSelf=true
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED
    --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.util=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -Dio.netty.allocator.useCacheForAllThreads=true
    -Dio.netty.allocator.maxOrder=11
    # jamm measures object sizes (memtables); without the agent Cassandra fails early
    -javaagent:"$jamm"
    -Dcassandra.config="file://${d// /%20}/conf/cassandra.yaml"
    -Dcassandra.storagedir="$d"
    -Dcassandra.logdir="$d/logs"
    -Dlogback.configurationFile="$d/conf/logback.xml"
    -Dcassandra-foreground=yes
    -Dcassandra.skip_wait_for_gossip_to_settle=0
    -cp "$d/libs/*"
    org.apache.cassandra.service.CassandraDaemon
  )
  launch cassandra "$d" "$d/logs/cassandra.out" "$JAVA" "${opts[@]}"
}

# CQL handshake: an OPTIONS frame (protocol v4) must get a SUPPORTED frame back.
cassandra_check() {
  port_open "$CASSANDRA_PORT" || return 1
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x04\x00\x00\x00\x05\x00\x00\x00\x00" >&3
    hdr="$(head -c 9 <&3 | od -An -tx1 | tr -d " \n")"
    [[ "${hdr:0:2}" == 84 && "${hdr:8:2}" == 06 ]]
  ' "$HOST" "$CASSANDRA_PORT" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Schema registry: Apicurio Registry 2.6 (Quarkus, JVM), Confluent-compatible API under
# $REGISTRY_API_PATH, schemas in an H2 file database under <state>/registry/data (kept across restarts)

registry_runner() {
  find "$(svc_dir registry)/libs" -maxdepth 1 -name 'apicurio-registry-app-*-runner.jar' | head -n1
}

registry_prepare() {
  local d
  need_java
  fetch_jars registry
  d="$(svc_dir registry)"
  [[ -n "$(registry_runner)" ]] || die "registry: no apicurio-registry-app-*-runner.jar in $d/libs (delete $d/libs to fetch again)"
  mkdir -p "$d/data" "$d/logs" "$d/tmp"
}

registry_start() {
  local d; d="$(svc_dir registry)"
  # Settings are system properties (they take precedence over the app's environment variables
  # such as HTTP_PORT or REGISTRY_DATASOURCE_URL).
  local opts=(
    -Xms64m -Xmx"$REGISTRY_HEAP" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Djava.io.tmpdir="$d/tmp"
    -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT"
    # like Confluent's registry: the same schema written differently (whitespace, field order of
    # the JSON) is found again and keeps its id
    -Dregistry.ccompat.use-canonical-hash=true
    -Dquarkus.datasource.jdbc.url="jdbc:h2:file:$d/data/registry"
    -Dquarkus.datasource.jdbc.initial-size=2 -Dquarkus.datasource.jdbc.min-size=2
    -Dquarkus.datasource.jdbc.max-size=20
    -Dquarkus.log.console.enable=false
    -Dquarkus.log.file.enable=true -Dquarkus.log.file.path="$d/logs/registry.log"
    -Dquarkus.log.file.rotation.max-file-size=50M -Dquarkus.log.file.rotation.max-backup-index=1
    -jar "$(registry_runner)"
  )
  launch registry "$d" "$d/logs/registry.out" "$JAVA" "${opts[@]}"
}

# the Confluent API answers GET /subjects with 200 (a JSON list)
registry_check() {
  port_open "$REGISTRY_PORT" || return 1
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s/subjects HTTP/1.0\r\nHost: %s:%s\r\nAccept: application/json\r\n\r\n" "$2" "$0" "$1" >&3
    IFS= read -r status <&3
    [[ "$status" =~ ^HTTP/1\.[01]\ 200 ]]
  ' "$HOST" "$REGISTRY_PORT" "$REGISTRY_API_PATH" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# S3: moto's server (PyPI moto[server]), which implements the S3 REST API (signatures, multipart
# uploads, listing, conditional puts) in memory; buckets vanish when it stops. Any access key works.

s3_prepare() {
  local d; d="$(svc_dir s3)"
  mkdir -p "$d/logs"
  if [[ ! -x "$S3_VENV/bin/moto_server" ]] || ! "$S3_VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    log "s3: installing moto[server]==$MOTO_VERSION into $S3_VENV ..."
    command -v python3 >/dev/null 2>&1 || die "s3: python3 not found"
    { python3 -m venv "$S3_VENV" && "$S3_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"; } \
      >"$d/logs/pip.log" 2>&1 || die "s3: installing moto failed (log: $d/logs/pip.log)"
  fi
}

s3_start() {
  local d; d="$(svc_dir s3)"
  launch s3 "$d" "$d/logs/s3.out" "$S3_VENV/bin/python" "$S3_VENV/bin/moto_server" -H "$HOST" -p "$S3_PORT"
}

# S3's ListBuckets answers 200 with XML
s3_check() {
  port_open "$S3_PORT" || return 1
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET / HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$0" "$1" >&3
    IFS= read -r status <&3
    [[ "$status" =~ ^HTTP/1\.[01]\ 200 ]]
  ' "$HOST" "$S3_PORT" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# commands

lock_state() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 900 9 || die "another services.sh holds $STATE_DIR/.lock"
}

cmd_up() {
  local svc pid failed=0
  lock_state
  for svc in "$@"; do
    if pid="$(running_pid "$svc")"; then
      log "$svc: already running (pid $pid)"
      continue
    fi
    rm -f "$(pid_file "$svc")"
    "${svc}_prepare"
    check_ports_free "$svc"
    log "$svc: starting ..."
    "${svc}_start"
  done
  for svc in "$@"; do
    case "$svc" in
      kafka) wait_healthy kafka "$KAFKA_TIMEOUT" kafka_check || failed=1 ;;
      redis) wait_healthy redis "$REDIS_TIMEOUT" redis_check || failed=1 ;;
      cassandra) wait_healthy cassandra "$CASSANDRA_TIMEOUT" cassandra_check || failed=1 ;;
      registry) wait_healthy registry "$REGISTRY_TIMEOUT" registry_check || failed=1 ;;
      s3) wait_healthy s3 "$S3_TIMEOUT" s3_check || failed=1 ;;
    esac
  done
  ((failed == 0)) || die "some services did not come up (see above); 'services.sh down' stops what runs"
  log "up: $*"
}

# cmd_reset: every test run creates topics and keyspaces of its own; after a few hundred runs
# the broker spends its start loading thousands of dead partitions. Reset starts from empty.
cmd_reset() {
  local svc d
  cmd_down "$@"
  for svc in "$@"; do
    d="$(svc_dir "$svc")"
    [[ -d "$d" ]] || continue
    case "$svc" in
      kafka) rm -rf "$d/data" "$d/cluster.id" "$d/controller.port" ;;
      cassandra) rm -rf "$d/data" "$d/commitlog" "$d/hints" "$d/saved_caches" "$d/cdc_raw" ;;
      redis | registry) rm -rf "$d/data" ;;
      s3) ;;
    esac
    log "$svc: data deleted"
  done
}

cmd_down() {
  local svc pid i signalled=() list=("$@")
  lock_state
  for ((i = ${#list[@]} - 1; i >= 0; i--)); do # reverse order
    svc="${list[i]}"
    if pid="$(running_pid "$svc")"; then
      log "$svc: stopping (pid $pid) ..."
      kill -TERM "$pid" 2>/dev/null || true
      signalled+=("$svc:$pid:$SECONDS")
    else
      log "$svc: not running"
      rm -f "$(pid_file "$svc")"
    fi
  done
  local entry start
  for entry in ${signalled[@]+"${signalled[@]}"}; do
    IFS=: read -r svc pid start <<<"$entry"
    while running_pid "$svc" >/dev/null && ((SECONDS - start < STOP_TIMEOUT)); do
      sleep 0.5
    done
    if running_pid "$svc" >/dev/null; then
      log "$svc: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        running_pid "$svc" >/dev/null || break
        sleep 0.2
      done
    fi
    rm -f "$(pid_file "$svc")"
    log "$svc: stopped ($((SECONDS - start))s)"
  done
}

cmd_status() {
  local svc pid port state note
  for svc in "$@"; do
    port="$(svc_port "$svc")"
    if pid="$(running_pid "$svc")"; then
      state=running
      if port_open "$port"; then note="listening"; else note="not listening yet"; fi
    else
      state=stopped
      pid=-
      if port_open "$port"; then note="port in use by another process"; else note=""; fi
    fi
    printf '%-10s %-8s pid=%-8s port=%s:%s%s\n' "$svc" "$state" "$pid" "$HOST" "$port" "${note:+ ($note)}"
  done
}

cmd_env() {
  local svc
  for svc in "$@"; do
    case "$svc" in
      kafka) echo "export FINSTREAM_TEST_KAFKA=$HOST:$KAFKA_PORT" ;;
      redis) echo "export FINSTREAM_TEST_REDIS=redis://$HOST:$REDIS_PORT" ;;
      cassandra) echo "export FINSTREAM_TEST_CASSANDRA=$HOST:$CASSANDRA_PORT" ;;
      registry) echo "export FINSTREAM_TEST_SCHEMA_REGISTRY=http://$HOST:$REGISTRY_PORT$REGISTRY_API_PATH" ;;
      s3) echo "export FINSTREAM_TEST_S3=http://$HOST:$S3_PORT" ;;
    esac
  done
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    -h | --help | help) usage; return 0 ;;
    up | down | reset | status | env) ;;
    "") usage >&2; return 2 ;;
    *) printf '[services] error: unknown command %s\n' "$cmd" >&2; usage >&2; return 2 ;;
  esac

  # requested services, validated, de-duplicated, in the canonical order
  local want=() svc arg
  for arg in "$@"; do
    case "$arg" in
      kafka | redis | cassandra | registry | s3) ;;
      *) die "unknown service '$arg' (kafka, redis, cassandra, registry, s3)" ;;
    esac
  done
  for svc in "${ALL_SERVICES[@]}"; do
    if [[ $# -eq 0 ]]; then
      want+=("$svc")
    else
      for arg in "$@"; do
        if [[ "$arg" == "$svc" ]]; then want+=("$svc"); break; fi
      done
    fi
  done

  "cmd_$cmd" "${want[@]}"
}

main "$@"
