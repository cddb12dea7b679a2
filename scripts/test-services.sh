#!/usr/bin/env bash
# The test suite uses the local PostgreSQL and Redis besides the embedded database: the scaled flash-sale
# kill test always runs against them (postgres://postgres@127.0.0.1:5432/test, redis://127.0.0.1:6379,
# or DATABASE_URL / REDIS_URL). Starts them when they are installed but stopped; says how to get them
# when they are not.
set -u
pg_host=127.0.0.1; pg_port=5432; redis_port=6379
if [ -n "${DATABASE_URL:-}" ]; then
  pg_host=$(printf '%s' "$DATABASE_URL" | sed -E 's#^[a-z]+://([^@/]*@)?([^:/]+).*#\2#')
  pg_port=$(printf '%s' "$DATABASE_URL" | sed -nE 's#^[a-z]+://([^@/]*@)?[^:/]+:([0-9]+).*#\2#p'); pg_port=${pg_port:-5432}
fi
if [ -n "${REDIS_URL:-}" ]; then
  redis_port=$(printf '%s' "$REDIS_URL" | sed -nE 's#^rediss?://([^@/]*@)?[^:/]+:([0-9]+).*#\2#p'); redis_port=${redis_port:-6379}
fi

pg_up() { pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; }
redis_up() { redis-cli -p "$redis_port" ping >/dev/null 2>&1; }
missing=0

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test-services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "test-services: PostgreSQL is not reachable at $pg_host:$pg_port (Debian: apt-get install -y postgresql; trust auth for 127.0.0.1, database 'test')" >&2; missing=1; }
fi
if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "test-services: starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
  redis_up || { echo "test-services: Redis is not reachable on port $redis_port (Debian: apt-get install -y redis-server)" >&2; missing=1; }
fi
exit $missing
