# Sourced by scripts/test: makes sure the tests have a PostgreSQL and a
# Redis, and exports where they are.
#
# - QUIRE_TEST_DATABASE_URL / QUIRE_TEST_REDIS_URL already set: used as is.
# - Else 127.0.0.1:5432 (user postgres, trust) and 127.0.0.1:6379 if they
#   answer.
# - Else installs `postgresql` / `redis-server` from Debian and starts a
#   temporary server of each on a free port, stopped by `services_stop`
#   (scripts/test calls it on exit). PostgreSQL runs as the `postgres`
#   user, in a cluster of its own under a temporary directory.
#
# QUIRE_TEST_SERVICES=own skips the shared ones and starts temporary
# servers (as on a machine that has none).
#
# Tests create their own databases and drop them; nothing here touches a
# service that was already running.

services_dir=""
services_pg_bin=""

services_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

services_apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "services: installing $* needs root" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian's packages start no service here; the servers below are our own.
  apt-get install -y -qq "$@" >/dev/null
}

services_tmp() {
  [ -n "$services_dir" ] || services_dir=$(mktemp -d /tmp/quire-services.XXXXXX)
  chmod 755 "$services_dir"
}

services_postgres() {
  if [ -n "${QUIRE_TEST_DATABASE_URL:-}" ]; then
    echo "services: PostgreSQL from QUIRE_TEST_DATABASE_URL"
    return
  fi
  if [ "${QUIRE_TEST_SERVICES:-}" != own ] && command -v pg_isready >/dev/null 2>&1 &&
    pg_isready -q -h 127.0.0.1 -p 5432; then
    export QUIRE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
    echo "services: PostgreSQL at 127.0.0.1:5432"
    return
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "services: installing postgresql from Debian"
    services_apt_install postgresql
  fi
  services_pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  services_tmp
  local port data
  port=$(services_free_port)
  data="$services_dir/pg"
  mkdir -p "$data"
  chown postgres "$data"
  # PostgreSQL refuses to run as root: initdb and the server run as postgres.
  runuser -u postgres -- "$services_pg_bin/initdb" -D "$data" -U postgres \
    --auth=trust --no-sync >"$services_dir/initdb.log" 2>&1 ||
    { cat "$services_dir/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$services_pg_bin/pg_ctl" -D "$data" -w -l "$data/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off" start >/dev/null ||
    { cat "$data/server.log" >&2; return 1; }
  export QUIRE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "services: started a temporary PostgreSQL at 127.0.0.1:$port"
}

services_redis() {
  if [ -n "${QUIRE_TEST_REDIS_URL:-}" ]; then
    echo "services: Redis from QUIRE_TEST_REDIS_URL"
    return
  fi
  if [ "${QUIRE_TEST_SERVICES:-}" != own ] && command -v redis-cli >/dev/null 2>&1 &&
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then
    export QUIRE_TEST_REDIS_URL="redis://127.0.0.1:6379"
    echo "services: Redis at 127.0.0.1:6379"
    return
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing redis-server from Debian"
    services_apt_install redis-server
  fi
  services_tmp
  local port
  port=$(services_free_port)
  mkdir -p "$services_dir/redis"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$services_dir/redis" --pidfile "$services_dir/redis/redis.pid" \
    --logfile "$services_dir/redis/redis.log" --daemonize yes
  for _ in $(seq 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  export QUIRE_TEST_REDIS_URL="redis://127.0.0.1:$port"
  echo "services: started a temporary Redis at 127.0.0.1:$port"
}

# Stops the servers this script started, and only those.
services_stop() {
  [ -n "$services_dir" ] || return 0
  if [ -f "$services_dir/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$services_pg_bin/pg_ctl" -D "$services_dir/pg" -m fast stop >/dev/null || true
  fi
  if [ -f "$services_dir/redis/redis.pid" ]; then
    kill "$(cat "$services_dir/redis/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$services_dir"
  services_dir=""
}

services_postgres
services_redis
