# shellcheck shell=bash
# A throwaway PostgreSQL for the Dagster-instance test: source this file, then
#   ci_postgres_start            # installs PostgreSQL from Debian when missing, starts it on 127.0.0.1
#   trap ci_postgres_stop EXIT   # stops the server and deletes its data folder
# ci_postgres_start exports DAGSTER_PG_URL (what deploy/dagster.postgres.yaml reads) and
# DAGSTER_PG_HOST/PORT/USER/PASSWORD/DB (what analytics_pipeline_tests/test_postgres_instance.py reads). Safe as root in CI with no stdin:
# the server runs as the `postgres` system user, apt runs non-interactively.

ci_postgres_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] && command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(command -v pg_ctl)")
    fi
    echo "$dir"
}

ci_postgres_start() {
    local bindir run_as=() port
    bindir=$(ci_postgres_bindir)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "postgres.sh: PostgreSQL is missing and installing it needs root" >&2
            return 1
        fi
        echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
        # Only the binaries: no `main` cluster on port 5432 and no service left running after us.
        mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/ci-no-main-cluster.conf
        local own_policy=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql </dev/null >/dev/null
        [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
        bindir=$(ci_postgres_bindir)
    fi
    CI_PG_DIR=$(mktemp -d /tmp/ci-postgres.XXXXXX)
    chmod 755 "$CI_PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$CI_PG_DIR"
        run_as=(runuser -u postgres --)  # initdb and postgres refuse to run as root
    fi
    port=${CI_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    export DAGSTER_PG_HOST=127.0.0.1 DAGSTER_PG_PORT="$port" DAGSTER_PG_USER=dagster DAGSTER_PG_DB=dagster
    DAGSTER_PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    export DAGSTER_PG_PASSWORD  # hex: nothing to escape in the URL below
    export DAGSTER_PG_URL="postgresql+psycopg2://dagster:$DAGSTER_PG_PASSWORD@127.0.0.1:$port/dagster"
    printf '%s\n' "$DAGSTER_PG_PASSWORD" >"$CI_PG_DIR/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$CI_PG_DIR/pwfile"
    "${run_as[@]}" "$bindir/initdb" -D "$CI_PG_DIR/data" -U dagster --pwfile="$CI_PG_DIR/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$CI_PG_DIR/initdb.log" 2>&1 </dev/null \
        || { cat "$CI_PG_DIR/initdb.log" >&2; return 1; }
    rm -f "$CI_PG_DIR/pwfile"
    "${run_as[@]}" "$bindir/pg_ctl" -D "$CI_PG_DIR/data" -l "$CI_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $CI_PG_DIR -c fsync=off" start >/dev/null </dev/null \
        || { cat "$CI_PG_DIR/server.log" >&2; return 1; }
    "${run_as[@]}" "$bindir/createdb" -h "$CI_PG_DIR" -p "$port" -U dagster dagster </dev/null
    export CI_PG_DIR CI_PG_BINDIR="$bindir"
    echo "postgres.sh: PostgreSQL on 127.0.0.1:$port (data in $CI_PG_DIR)" >&2
}

ci_postgres_stop() {
    [ -n "${CI_PG_DIR:-}" ] && [ -d "$CI_PG_DIR" ] || return 0
    local run_as=()
    [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
    "${run_as[@]}" "$CI_PG_BINDIR/pg_ctl" -D "$CI_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 </dev/null || true
    rm -rf "$CI_PG_DIR"
    unset CI_PG_DIR DAGSTER_PG_URL DAGSTER_PG_HOST DAGSTER_PG_PORT DAGSTER_PG_USER DAGSTER_PG_PASSWORD DAGSTER_PG_DB
}
