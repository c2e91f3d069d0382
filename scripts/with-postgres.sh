#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster; its URL is exported as POSAPP_TEST_PG_URL.
#
# The cluster lives in a temporary folder, listens only on a Unix socket there, and is torn down on exit.
# If POSAPP_TEST_PG_URL is already set, the command runs against that server instead.
# Without a PostgreSQL server on the machine the command still runs (PostgreSQL tests then skip),
# except under CI=true, where a missing or broken PostgreSQL is a failure.
set -euo pipefail

if [[ -n "${POSAPP_TEST_PG_URL:-}" ]]; then
    exec "$@"
fi

fail_or_skip() {
    if [[ "${CI:-}" == "true" ]]; then
        echo "with-postgres: $1 (CI=true: PostgreSQL is required)" >&2
        exit 1
    fi
    echo "with-postgres: $1 — PostgreSQL tests will be skipped" >&2
    exec "$@"
}

bindir=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$candidate/initdb" ]]; then bindir="$candidate"; break; fi
done
if [[ -z "$bindir" ]] && command -v pg_config >/dev/null 2>&1; then
    bindir="$(pg_config --bindir)"
fi
[[ -x "$bindir/initdb" ]] || fail_or_skip "no PostgreSQL server (initdb) found" "$@"

workdir="$(mktemp -d /tmp/posapp-pg.XXXXXX)"
port=$((40000 + RANDOM % 20000))  # Unix socket only; a random port keeps parallel runs apart
as_owner() { "$@"; }
if [[ "$(id -u)" == "0" ]]; then
    chown postgres: "$workdir"
    as_owner() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
fi

cleanup() {
    as_owner "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

if ! as_owner "$bindir/initdb" -D "$workdir/data" -A trust -U postgres -E UTF8 --no-sync >"$workdir/initdb.log" 2>&1; then
    cat "$workdir/initdb.log" >&2
    fail_or_skip "initdb failed" "$@"
fi
if ! as_owner "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
        -o "-k $workdir -p $port -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null; then
    cat "$workdir/server.log" >&2
    fail_or_skip "PostgreSQL did not start" "$@"
fi
as_owner "$bindir/createdb" -h "$workdir" -p "$port" -U postgres posapp_test

export POSAPP_TEST_PG_URL="postgresql+psycopg://postgres@/posapp_test?host=$workdir&port=$port"
echo "with-postgres: $("$bindir/postgres" --version) running in $workdir (port $port)"
set +e
"$@"
status=$?
exit $status
