#!/usr/bin/env bash
# npm run test:failover: the service on a three-node PostgreSQL cluster
# (Patroni on etcd, HAProxy in front), 600 keyed transfers, the primary's
# postmaster killed after about a third, every unanswered request retried with
# its key; then a report (load.ts). Not part of `npm test`: it needs root, apt
# and a few minutes. Everything lives in one temp folder and is removed at the
# end, on failure and on Ctrl-C too (FAILOVER_KEEP=1 keeps the folder, with
# every process's log, and says where).
#
# Exit codes: 0 nothing lost, coins conserved, verify-ledger clean;
# 1 one of those failed; 2 the setup failed (its log's tail is printed);
# 130 or 143 when interrupted (SIGINT, SIGTERM).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PACKAGES=(etcd-server patroni postgresql-15 haproxy)
PG_BIN=/usr/lib/postgresql/15/bin
NODES=(node1 node2 node3)
SCOPE=deltacrown-failover

say() { printf '[failover] %s\n' "$*"; }
fail_setup() {
  printf '[failover] setup failed: %s\n' "$1" >&2
  if [[ -n "${2:-}" && -f "$2" ]]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 40 "$2" >&2
  fi
  exit 2
}

# Processes this script started, by name, each its own session (setsid) so a
# Ctrl-C reaches only this script and the cleanup stops them in order.
declare -A PIDS=()
WORK=""

terminate() { # name
  local pid="${PIDS[$1]:-}"
  [[ -z "$pid" ]] || kill -TERM "$pid" 2>/dev/null || true
}

await_exit() { # name, seconds to wait before SIGKILL
  local pid="${PIDS[$1]:-}"
  [[ -n "$pid" ]] || return 0
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_pid() { # name, seconds to wait after SIGTERM before SIGKILL
  terminate "$1"
  await_exit "$1" "$2"
}

# A postmaster Patroni started (or restarted after the kill), if it outlived
# its Patroni: only the one whose command line names this run's data folder.
kill_postmaster() {
  local data="$WORK/$1/data" pid
  [[ -f "$data/postmaster.pid" ]] || return 0
  pid="$(head -n 1 "$data/postmaster.pid")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$data"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$WORK" ]] || exit "$status"
  say "cleaning up"
  stop_pid service 15
  stop_pid haproxy 5
  # Patroni stops its PostgreSQL (fast shutdown) before it exits.
  for node in "${NODES[@]}"; do terminate "$node"; done
  for node in "${NODES[@]}"; do await_exit "$node" 30; done
  for node in "${NODES[@]}"; do kill_postmaster "$node"; done
  stop_pid etcd 10
  if [[ "${FAILOVER_KEEP:-}" == 1 ]]; then
    say "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_until() { # what, seconds, log to show on failure, command...
  local what="$1" seconds="$2" log="$3"
  shift 3
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  fail_setup "$what within ${seconds} s" "$log"
}

secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# Whether a GET answers 2xx (node, not curl: a minimal Debian lacks curl).
http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

[[ $EUID -eq 0 ]] || fail_setup "run as root: it installs packages and runs PostgreSQL as the postgres user"

WORK="$(mktemp -d /tmp/deltacrown-failover-XXXXXX)"
# The postgres user must reach its nodes' folders.
chmod 755 "$WORK"

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  say "installing missing packages with apt-get: ${missing[*]}"
  {
    apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  } >"$WORK/apt.log" 2>&1 || fail_setup "apt-get install ${missing[*]}" "$WORK/apt.log"
  say "installed: ${missing[*]}"
else
  say "packages present: ${PACKAGES[*]}"
fi
for command in etcd patroni haproxy "$PG_BIN/postgres" "$PG_BIN/psql"; do
  command -v "$command" >/dev/null || fail_setup "$command not found after installing ${PACKAGES[*]}"
done
# Patroni refuses to run as root, and PostgreSQL too: they run as the
# postgres user that postgresql-common creates.
getent passwd postgres >/dev/null || fail_setup "no postgres OS user (postgresql-common creates it)"

# Ten free loopback ports, held at once so no two are the same.
read -r ETCD_PORT ETCD_PEER_PORT HAPROXY_PORT SERVICE_PORT PG_PORT_1 PG_PORT_2 PG_PORT_3 REST_PORT_1 REST_PORT_2 REST_PORT_3 < <(
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: 10 }, () => net.createServer().listen(0, "127.0.0.1"));
    Promise.all(servers.map((s) => new Promise((r) => s.once("listening", r)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });'
) || fail_setup "finding free ports"
PG_PORTS=("$PG_PORT_1" "$PG_PORT_2" "$PG_PORT_3")
REST_PORTS=("$REST_PORT_1" "$REST_PORT_2" "$REST_PORT_3")
SUPERUSER_PASSWORD="$(secret)"
REPLICATION_PASSWORD="$(secret)"
OWNER_PASSWORD="$(secret)"
SERVICE_PASSWORD="$(secret)"

say "etcd on 127.0.0.1:$ETCD_PORT"
setsid etcd --name failover --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "failover=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
  >"$WORK/etcd.log" 2>&1 &
PIDS[etcd]=$!
wait_until "etcd answering" 30 "$WORK/etcd.log" http_ok "http://127.0.0.1:$ETCD_PORT/health"

patroni_config() { # node, PostgreSQL port, REST port
  cat <<YAML
scope: $SCOPE
name: $1
restapi:
  listen: 127.0.0.1:$3
  connect_address: 127.0.0.1:$3
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    # A short loop notices the crash within about two loops; Patroni's
    # documentation asks for loop_wait + 2 x retry_timeout <= ttl.
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
    # A crashed primary fails over at once (to a synchronous standby)
    # instead of being restarted in place for up to 300 s, the default.
    primary_start_timeout: 0
    # A commit returns only once a synchronous standby has it, and the
    # leader is only ever handed to that standby. Strict as well: with plain
    # synchronous_mode a promoted primary with no replica attached yet
    # acknowledged commits alone for about 11 s (seen here), commits that a
    # second failover in that window would lose; strict blocks them instead.
    synchronous_mode: true
    synchronous_mode_strict: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: "on"
        # A replica that asks the new primary for its slot before Patroni
        # made it is refused, and tries again after this (5 s by default);
        # strict synchronous mode holds every commit until one is back.
        wal_retrieve_retry_interval: 1s
        max_wal_senders: 10
        max_replication_slots: 10
  initdb:
    - encoding: UTF8
    - data-checksums
  pg_hba:
    - local all all peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$2
  connect_address: 127.0.0.1:$2
  data_dir: $WORK/$1/data
  bin_dir: $PG_BIN
  pgpass: $WORK/$1/pgpass
  authentication:
    superuser:
      username: postgres
      password: $SUPERUSER_PASSWORD
    replication:
      username: replicator
      password: $REPLICATION_PASSWORD
  parameters:
    # Debian's default, /var/run/postgresql, may be missing or in use.
    unix_socket_directories: $WORK/$1
    password_encryption: scram-sha-256
    shared_buffers: 64MB
    max_connections: 100
YAML
}

for i in 0 1 2; do
  node="${NODES[$i]}"
  mkdir -m 700 "$WORK/$node"
  patroni_config "$node" "${PG_PORTS[$i]}" "${REST_PORTS[$i]}" >"$WORK/$node/patroni.yml"
  chown -R postgres:postgres "$WORK/$node"
  say "$node: Patroni REST 127.0.0.1:${REST_PORTS[$i]}, PostgreSQL 127.0.0.1:${PG_PORTS[$i]}"
  setsid setpriv --reuid=postgres --regid=postgres --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$WORK/$node" LANG=C.UTF-8 patroni "$WORK/$node/patroni.yml" \
    >"$WORK/$node.log" 2>&1 &
  PIDS[$node]=$!
  # The first node bootstraps the cluster; the others copy it once it leads.
  if ((i == 0)); then
    wait_until "node1 leading" 90 "$WORK/node1.log" http_ok "http://127.0.0.1:${REST_PORTS[0]}/primary"
  fi
done

cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 256
defaults
    mode tcp
    timeout connect 2s
    timeout client 10m
    timeout server 10m
    timeout check 2s
listen postgres_primary
    bind 127.0.0.1:$HAPROXY_PORT
    # Only the node whose Patroni answers 200 to GET /primary takes
    # connections; sessions to a node marked down are cut at once.
    option httpchk
    http-check send meth GET uri /primary
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
    server node1 127.0.0.1:$PG_PORT_1 check port $REST_PORT_1
    server node2 127.0.0.1:$PG_PORT_2 check port $REST_PORT_2
    server node3 127.0.0.1:$PG_PORT_3 check port $REST_PORT_3
CFG
say "HAProxy on 127.0.0.1:$HAPROXY_PORT, to the node answering GET /primary"
setsid haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS[haproxy]=$!

export PGPASSWORD="$SUPERUSER_PASSWORD" PGCONNECT_TIMEOUT=3
psql_primary() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$HAPROXY_PORT" -U postgres "$@"; }
# Two replicas streaming, one of them synchronous: with strict synchronous
# mode no write commits before that.
replicas_ready() {
  [[ "$(psql_primary -d postgres -tAc "SELECT count(*) FILTER (WHERE state = 'streaming') || '/' || count(*) FILTER (WHERE sync_state = 'sync') FROM pg_stat_replication")" == 2/1 ]]
}
wait_until "two replicas streaming, one synchronous" 180 "$WORK/node3.log" replicas_ready
say "cluster ready: one primary, two streaming replicas (one synchronous)"

# The roles of README's "Database roles": the owner migrates, the service
# logs in as a member of deltacrown_app and owns nothing.
psql_primary -d postgres >"$WORK/roles.log" 2>&1 <<SQL || fail_setup "creating the database and its roles" "$WORK/roles.log"
CREATE ROLE economy_owner LOGIN PASSWORD '$OWNER_PASSWORD';
CREATE DATABASE economy OWNER economy_owner;
CREATE ROLE deltacrown_app NOLOGIN;
CREATE ROLE economy_service LOGIN PASSWORD '$SERVICE_PASSWORD' IN ROLE deltacrown_app;
SQL

say "building the service (npm run build)"
# In a session of its own, so a Ctrl-C waits for it: a build cut short
# leaves dist/ half deleted for everyone working in this tree.
(cd "$ROOT" && exec setsid npm run build) >"$WORK/build.log" 2>&1 || fail_setup "npm run build" "$WORK/build.log"

# The service's environment, and the console's: nothing inherited names
# another database, and its local state stays in the temp folder.
unset TEST_DATABASE_URL
export DATABASE_URL="postgres://economy_service:$SERVICE_PASSWORD@127.0.0.1:$HAPROXY_PORT/economy"
export DATABASE_MIGRATION_URL="postgres://economy_owner:$OWNER_PASSWORD@127.0.0.1:$HAPROXY_PORT/economy"
export DATA_DIR="$WORK/service"
export PORT="$SERVICE_PORT" METRICS_PORT=0
JWT_SECRET="$(secret)" PROMO_SECRET="$(secret)"
export JWT_SECRET PROMO_SECRET
mkdir -m 700 "$DATA_DIR"

say "migrating as economy_owner (deltacrown migrate)"
(cd "$ROOT" && node dist/cli.js migrate) >"$WORK/migrate.log" 2>&1 || fail_setup "deltacrown migrate" "$WORK/migrate.log"

say "starting the service on 127.0.0.1:$SERVICE_PORT as economy_service, through HAProxy"
(cd "$ROOT" && exec setsid node dist/src/main.js) >"$WORK/service.log" 2>&1 &
PIDS[service]=$!
wait_until "the service answering GET /health" 60 "$WORK/service.log" http_ok "http://127.0.0.1:$SERVICE_PORT/health"

TOKEN="$(cd "$ROOT" && node dist/cli.js token --profile 1 --role admin --ttl 1h 2>"$WORK/token.log")" ||
  fail_setup "deltacrown token" "$WORK/token.log"

# What the load generator needs to know of the cluster, as JSON.
{
  printf '{"apiUrl":"http://127.0.0.1:%s","token":"%s",' "$SERVICE_PORT" "$TOKEN"
  printf '"ledgerUrl":"postgres://economy_owner:%s@127.0.0.1:%s/economy",' "$OWNER_PASSWORD" "$HAPROXY_PORT"
  printf '"serviceRole":{"user":"economy_service","password":"%s","database":"economy"},' "$SERVICE_PASSWORD"
  printf '"nodes":['
  for i in 0 1 2; do
    ((i == 0)) || printf ','
    printf '{"name":"%s","restUrl":"http://127.0.0.1:%s","port":%s,"dataDir":"%s"}' \
      "${NODES[$i]}" "${REST_PORTS[$i]}" "${PG_PORTS[$i]}" "$WORK/${NODES[$i]}/data"
  done
  printf ']}\n'
} >"$WORK/failover.json"

status=0
(cd "$ROOT" && FAILOVER_CONFIG="$WORK/failover.json" node -r @swc-node/register scripts/failover/load.ts) || status=$?
if ((status != 0)); then
  printf -- '--- last lines of the service log ---\n'
  tail -n 20 "$WORK/service.log"
fi
exit "$status"
