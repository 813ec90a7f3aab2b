#!/bin/sh
# Back up a SaaS-mode Footfall (PostgreSQL, ClickHouse, Redis), which
# `footfall backup` does not cover: it copies the embedded stores only.
#
#   deploy/backup-saas.sh OUTDIR
#
# Reads the server's own settings from the environment (source the env file
# first): FOOTFALL_DATABASE_URL (postgres://…, required),
# FOOTFALL_EVENTS_URL (clickhouse://[user:pass@]host:port/db; skipped when
# unset), FOOTFALL_REDIS_URL (skipped when unset). CLICKHOUSE_BACKUP_DISK
# names the disk ClickHouse writes backups to (default "backups"; it must
# be declared in the server's storage configuration, see docs/OPERATIONS.md).
#
# Writes OUTDIR/footfall-saas-<UTC time>/ holding app.dump (pg_dump custom
# format; restore with pg_restore --clean -d URL app.dump), redis.rdb (a
# snapshot of the ingest queue: events acknowledged but not yet in
# ClickHouse) and MANIFEST (what is where, including the name of the
# ClickHouse backup, which stays on the ClickHouse server's disk). The
# directory gets its final name only when everything succeeded.
set -eu

out=${1:-}
if [ -z "$out" ] || [ "$out" = "-h" ] || [ "$out" = "--help" ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
: "${FOOTFALL_DATABASE_URL:?set FOOTFALL_DATABASE_URL (postgres://…)}"
case $FOOTFALL_DATABASE_URL in
  postgres://* | postgresql://*) ;;
  *) echo "backup-saas: FOOTFALL_DATABASE_URL is not PostgreSQL; use footfall backup" >&2; exit 1 ;;
esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$out/footfall-saas-$stamp"
work="$out/.footfall-saas-$stamp.partial"
mkdir -p "$work"
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT

# PostgreSQL: one consistent snapshot (pg_dump runs in one transaction).
pg_dump --format=custom --no-owner --file="$work/app.dump" "$FOOTFALL_DATABASE_URL"
pg_restore --list "$work/app.dump" >/dev/null # readable, not truncated
echo "postgres app.dump $(wc -c <"$work/app.dump") bytes" >"$work/MANIFEST"

# ClickHouse: BACKUP runs on the server and writes to its backup disk.
if [ -n "${FOOTFALL_EVENTS_URL:-}" ]; then
  rest=${FOOTFALL_EVENTS_URL#clickhouse://}
  user=default password=
  case $rest in
    *@*)
      userinfo=${rest%%@*}
      rest=${rest#*@}
      user=${userinfo%%:*}
      case $userinfo in *:*) password=${userinfo#*:} ;; esac
      ;;
  esac
  hostport=${rest%%/*}
  db=${rest#"$hostport"}
  db=${db#/}
  db=${db%%\?*}
  db=${db:-default}
  host=${hostport%:*}
  port=9000
  case $hostport in *:*) port=${hostport##*:} ;; esac
  disk=${CLICKHOUSE_BACKUP_DISK:-backups}
  name="footfall-$stamp"
  CLICKHOUSE_PASSWORD=$password clickhouse-client --host "$host" --port "$port" --user "$user" \
    --query "BACKUP DATABASE \`$db\` TO Disk('$disk', '$name')" >/dev/null
  echo "clickhouse database $db backed up to Disk('$disk', '$name') on $host (restore: RESTORE DATABASE \`$db\` FROM Disk('$disk', '$name'))" >>"$work/MANIFEST"
fi

# Redis: an RDB snapshot, fetched over the replication protocol.
if [ -n "${FOOTFALL_REDIS_URL:-}" ]; then
  redis-cli -u "$FOOTFALL_REDIS_URL" --no-auth-warning --rdb "$work/redis.rdb" >/dev/null
  echo "redis redis.rdb $(wc -c <"$work/redis.rdb") bytes" >>"$work/MANIFEST"
fi

mv "$work" "$final"
trap - EXIT
echo "$final"
