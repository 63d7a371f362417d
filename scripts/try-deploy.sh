#!/usr/bin/env bash
# Starts what deploy/ describes for real, on a machine with no Docker and no systemd as PID 1
# (README "Run it as a service": what was started this way and what was not). As root; slow
# (~5 minutes the first time, ~2 after), so it is not part of CI.
#
#   scripts/try-deploy.sh systemd   a Debian 12 root filesystem (debootstrap, from the Debian mirror
#                                   apt already uses) with PostgreSQL, Redis and our wheel in
#                                   /opt/introledger, the units of deploy/systemd/, booted with
#                                   systemd-nspawn (its own network namespace: only a loopback);
#                                   then checks the stack (below) and powers it off.
#   scripts/try-deploy.sh podman    builds deploy/Containerfile with podman from a base image made
#                                   of that root filesystem (no image registry is reachable) and
#                                   runs podman-compose up on deploy/compose.yaml: how far it gets.
#
# The systemd checks: `systemctl start introledger.target` brings every unit to active; /healthz
# and /metrics of run, send and lmtp answer, the dashboard answers; an intro handed to the LMTP
# socket as Postfix would is committed and its thank-you reaches an SMTP sink (aiosmtpd); a
# worker killed with SIGKILL is restarted by systemd; `systemctl reload` re-reads the members;
# started while PostgreSQL is down, the migrations wait for it and the rest follow.
#
# TRY_DIR (default /var/tmp/introledger-deploy) keeps the base root filesystem between runs
# (rm -rf it to start afresh); each run boots a fresh copy of it.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
DIR=${TRY_DIR:-/var/tmp/introledger-deploy}
BASE=$DIR/base
ROOTFS=$DIR/rootfs
MACHINE=introledger-try
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap, systemd-nspawn)"; exit 1; }

say() { printf '\n== %s\n' "$*"; }
failures=0
check() {  # check "what a person would notice" command...
    local what=$1; shift
    if "$@"; then echo "PASS $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
wait_for() {  # wait_for SECONDS command...: until it succeeds
    local until=$((SECONDS + $1)); shift
    until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 1; done
}

# The Debian mirror this machine's apt uses (deb822 or one-line sources), never a name of ours.
apt_uri() {  # apt_uri debian|debian-security
    { grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list.d/*.list || true; } | grep -oE '(https?|file)://[^ ]+' | { grep -E "/$1/?\$" || true; } | head -1
}

base_rootfs() {
    [ -e "$BASE/.introledger-base" ] && return
    say "debootstrap: Debian 12 with systemd, PostgreSQL 15, Redis, Python 3.11 ($BASE)"
    command -v debootstrap >/dev/null && command -v systemd-nspawn >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap systemd-container >/dev/null
    local mirror security
    mirror=$(apt_uri debian); security=$(apt_uri debian-security)
    [ -n "$mirror" ] || { echo "no Debian mirror in /etc/apt/sources.list*"; exit 1; }
    rm -rf "$BASE"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates \
        bookworm "$BASE" "$mirror" > "$DIR/debootstrap.log" 2>&1 || { tail "$DIR/debootstrap.log"; exit 1; }
    rm -f "$BASE/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
        [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security"
    } > "$BASE/etc/apt/sources.list.d/debian.sources"
    # No service starts inside the chroot while packages are installed.
    printf '#!/bin/sh\nexit 101\n' > "$BASE/usr/sbin/policy-rc.d"; chmod +x "$BASE/usr/sbin/policy-rc.d"
    chroot "$BASE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive /bin/sh -ec '
        apt-get update -q
        apt-get install -y -q --no-install-recommends python3 python3-venv postgresql redis-server \
            curl iproute2 procps
        apt-get clean' > "$DIR/chroot-apt.log" 2>&1 || { tail "$DIR/chroot-apt.log"; exit 1; }
    rm -f "$BASE/usr/sbin/policy-rc.d"
    # pg_createcluster picked the first free port as seen from the chroot (the host's network: 5433
    # where the host runs its own PostgreSQL); the container has a loopback of its own.
    sed -i 's/^port = .*/port = 5432/' "$BASE"/etc/postgresql/15/main/postgresql.conf
    touch "$BASE/.introledger-base"
}

wheels() {
    say "wheels: introledger (this checkout) and its dependencies, for Debian 12's CPython 3.11"
    rm -rf "$DIR/wheels" && mkdir -p "$DIR/wheels"
    python3 -m pip wheel --no-deps -q -w "$DIR/wheels" "$SRC" 2>&1 | grep -v '^WARNING' || true
    local ours; ours=$(ls "$DIR"/wheels/introledger-*.whl)
    # Binary wheels for the container's Python whatever this machine's is. async-timeout by name:
    # redis needs it below 3.11.3 (Debian has 3.11.2) and pip does not read that marker here.
    python3 -m pip download -q -d "$DIR/wheels" --only-binary=:all: --python-version 3.11.2 \
        --implementation cp --abi cp311 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any \
        "introledger[postgres] @ file://$ours" 'async-timeout>=4.0.3' 2>&1 | grep -v '^WARNING' || true
}

install_into() {  # install_into ROOTFS: /opt/introledger, the user, the config, the units
    local root=$1
    mkdir -p "$root/tmp/wheels" && cp "$DIR"/wheels/*.whl "$root/tmp/wheels/"
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -ec '
        python3 -m venv /opt/introledger
        /opt/introledger/bin/pip install -q --no-index --find-links /tmp/wheels "introledger[postgres]"
        rm -rf /tmp/wheels
        useradd --system --home-dir /var/lib/introledger --shell /usr/sbin/nologin introledger
        install -d -m 750 -o root -g introledger /etc/introledger'
}

# One intro, handed over by LMTP as Postfix would: to the socket (systemd) or HOST PORT (compose).
write_deliver_intro() {
    cat > "$DIR/deliver-intro" <<'EOF'
#!/usr/bin/python3
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

msg = EmailMessage()
msg["From"] = "Priya Okafor <priya@okafor-co.example>"
msg["To"] = "Alice Jensen <alice@jensen-co.example>, Dana Whitfield <dana@danabooks.example>"
msg["Cc"] = "intros@example.com"
msg["Subject"] = "Intro: Alice <> Dana"
msg["Date"] = formatdate()
msg["Message-ID"] = make_msgid(domain="okafor-co.example")
msg.set_content("Alice, meet Dana. Dana is the bookkeeper I told you about. Alice is looking for help "
                "with a project this spring, I think you two should talk. I'll let you take it from here."
                "\n\nBest,\nPriya\n")
lmtp = smtplib.LMTP(*(sys.argv[1:2] or ["/run/introledger/lmtp.sock"]), *map(int, sys.argv[2:3]))
print("refused:", lmtp.send_message(msg, to_addrs=["intros@example.com"]) or "none")
lmtp.quit()
EOF
    chmod 755 "$DIR/deliver-intro"
}

systemd_stack() {
    base_rootfs
    wheels
    write_deliver_intro
    say "install: a fresh copy of the base, /opt/introledger, user introledger, config, units"
    rm -rf "$ROOTFS" && cp -a "$BASE" "$ROOTFS"
    install_into "$ROOTFS"
    echo "$MACHINE" > "$ROOTFS/etc/hostname"
    local password; password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    cat > "$ROOTFS/etc/introledger/config.yaml" <<'EOF'
# scripts/try-deploy.sh: mail by LMTP, thank-yous at once to the SMTP sink on 127.0.0.1:2525.
tracking: {address: intros@example.com}
broker_url: redis://127.0.0.1:6379/0
source: {kind: lmtp}
members:
  - {name: Dana Whitfield, emails: [dana@danabooks.example], timezone: America/Chicago}
outbound:
  transport: smtp
  smtp: {host: 127.0.0.1, port: 2525, security: none}
  quiet_hours: null
  sweep_seconds: 1
thank_you: {delay_seconds: 0}
web: {base_url: "http://127.0.0.1:8080"}
EOF
    cat > "$ROOTFS/etc/introledger/env" <<EOF
INTROLEDGER_DATABASE_URL=postgresql+psycopg://introledger:$password@127.0.0.1:5432/introledger
INTROLEDGER_TOKEN_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
INTROLEDGER_WEB_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
EOF
    chroot "$ROOTFS" /bin/sh -ec 'chown root:introledger /etc/introledger/config.yaml /etc/introledger/env
        chmod 640 /etc/introledger/config.yaml /etc/introledger/env'
    cp deploy/systemd/introledger* "$ROOTFS/etc/systemd/system/"
    chroot "$ROOTFS" systemctl enable -q introledger-worker introledger-web introledger-lmtp introledger-sender@1
    install -m 755 "$DIR/deliver-intro" "$ROOTFS/usr/local/bin/deliver-intro"

    say "boot: systemd-nspawn -b (systemd 252 as the container's PID 1)"
    # --register=no --keep-unit: no systemd (nor machined, nor a D-Bus) on this host to register with.
    setsid systemd-nspawn -D "$ROOTFS" -M "$MACHINE" -b --private-network --register=no --keep-unit \
        --console=read-only > "$DIR/nspawn.log" 2>&1 &
    NSPAWN=$!
    trap 'kill "$NSPAWN" 2>/dev/null || true' EXIT
    local leader=
    wait_for 30 bash -c "pgrep -P $NSPAWN -x systemd >/dev/null" || { cat "$DIR/nspawn.log"; exit 1; }
    leader=$(pgrep -P "$NSPAWN" -x systemd)
    in_c() { nsenter -t "$leader" -a -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"; }
    state=$(in_c timeout 120 systemctl is-system-running --wait || true)
    echo "container $MACHINE: $state"
    check "the container booted to running" test "$state" = running

    say "PostgreSQL role and database, SMTP sink on 127.0.0.1:2525"
    in_c runuser -u postgres -- psql -q -c "CREATE ROLE introledger LOGIN PASSWORD '$password'"
    in_c runuser -u postgres -- createdb -O introledger introledger
    in_c systemd-run -q --unit=smtp-sink -p StateDirectory=smtp-sink \
        /opt/introledger/bin/python -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox /var/lib/smtp-sink/mail

    say "systemctl start introledger.target"
    in_c timeout 120 systemctl start introledger.target
    local units="introledger-migrate introledger-worker introledger-sender@1 introledger-lmtp introledger-web"
    all_active() { for u in $units; do [ "$(in_c systemctl is-active "$u")" = active ] || return 1; done; }
    check "every unit active" all_active
    in_c systemctl list-units 'introledger*' --all --no-pager --plain | head -7
    healthy() { in_c curl -sf "http://127.0.0.1:$1/healthz" | grep -q '"ok": true'; }
    for port in 9100 9201 9102; do check "/healthz on :$port answers ok" wait_for 60 healthy $port; done
    metrics_up() { in_c curl -sf http://127.0.0.1:9100/metrics | grep -qx 'introledger_database_up 1.0'; }
    check "/metrics on :9100 says the database is up" metrics_up
    dashboard() { [ "$(in_c curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/)" -lt 500 ]; }
    check "the dashboard answers on :8080" dashboard

    say "an intro by LMTP to /run/introledger/lmtp.sock"
    in_c /usr/local/bin/deliver-intro
    one_referral() { [ "$(in_c runuser -u postgres -- psql -tA -d introledger -c 'SELECT count(*) FROM referrals')" = 1 ]; }
    check "the intro is committed as a referral" wait_for 30 one_referral
    thanked() { grep -lqs "Subject: Thank you for the introduction to Alice Jensen" "$ROOTFS"/var/lib/smtp-sink/mail/new/*; }
    check "a thank-you to the introducer reached the SMTP sink" wait_for 60 thanked
    grep -hE '^(From|To|Subject):' "$ROOTFS"/var/lib/smtp-sink/mail/new/* || true

    say "systemctl kill -s KILL introledger-worker"
    local before; before=$(in_c systemctl show -p MainPID --value introledger-worker)
    in_c systemctl kill -s KILL introledger-worker
    restarted() { [ "$(in_c systemctl show -p NRestarts --value introledger-worker)" = 1 ] &&
                  [ "$(in_c systemctl is-active introledger-worker)" = active ]; }
    check "systemd restarted the killed worker" wait_for 30 restarted
    check "the restarted worker answers /healthz" wait_for 60 healthy 9100
    echo "worker pid $before -> $(in_c systemctl show -p MainPID --value introledger-worker)"
    reread() { in_c journalctl -u introledger-worker -n 3 -o cat | grep -q 're-read'; }
    in_c systemctl reload introledger-worker
    check "systemctl reload re-reads the members" wait_for 10 reread

    say "started while PostgreSQL is down: the migrations wait, the others queue behind them"
    in_c systemctl stop introledger.target introledger-migrate postgresql
    in_c systemctl start --no-block introledger.target
    sleep 10
    none_up() { ! in_c systemctl is-active -q introledger-worker introledger-web introledger-lmtp introledger-sender@1; }
    check "nothing but the migrations started without the database" none_up
    in_c systemctl start postgresql
    check "once PostgreSQL is up, every unit is active" wait_for 90 all_active
    in_c journalctl -u introledger-migrate -n 3 --no-pager -o cat

    say "systemctl stop introledger.target"
    in_c systemctl stop introledger.target
    check "the target stops worker, sender, lmtp and web" none_up
    in_c journalctl -u 'introledger*' --no-pager > "$DIR/journal.txt" || true
    in_c systemctl poweroff || true
    wait_for 60 bash -c "! kill -0 $NSPAWN 2>/dev/null" || kill "$NSPAWN"
    trap - EXIT
    echo "journal of the introledger units: $DIR/journal.txt"
}

podman_stack() {
    base_rootfs
    write_deliver_intro
    command -v podman-compose >/dev/null && command -v runc >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman podman-compose runc >/dev/null
    # This machine's podman, without touching /etc/containers: crun refuses cgroups in hybrid mode
    # (v1 controllers beside a v2 mount) where runc does not, and without CAP_SYS_RESOURCE the
    # default open-files limit for root's containers (1048576) cannot be set.
    cat > "$DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=10000:10000", "nproc=10000:10000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    export CONTAINERS_CONF=$DIR/containers.conf
    local base_image=localhost/introledger-base:bookworm
    if ! podman image exists "$base_image"; then
        say "base image $base_image: the Debian 12 root filesystem, Python in a venv on PATH (as python:3.11-slim)"
        rm -rf "$DIR/image-root" && cp -a "$BASE" "$DIR/image-root"
        chroot "$DIR/image-root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin python3 -m venv /opt/python
        # The build's pip reaches PyPI as this machine does: through the CAs this machine trusts.
        local ca=${PIP_CERT:-${SSL_CERT_FILE:-}}
        [ -z "$ca" ] || [ ! -f "$ca" ] || cp "$ca" "$DIR/image-root/etc/ssl/certs/ca-certificates.crt"
        tar -C "$DIR/image-root" -c . | podman import -q \
            --change 'ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' --change 'CMD ["python3"]' - "$base_image"
        rm -rf "$DIR/image-root"
    fi

    say "podman build -f deploy/Containerfile --build-arg BASE=$base_image"
    # --format docker: in the default OCI format podman drops the HEALTHCHECK.
    podman build -q --format docker -f deploy/Containerfile --build-arg BASE="$base_image" -t introledger:latest . \
        > "$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; exit 1; }
    check "the image runs introledger" podman run --rm introledger:latest --version
    has_healthcheck() { podman image inspect introledger:latest --format '{{json .Config.Healthcheck}}' | grep -q healthz; }
    check "the image keeps its HEALTHCHECK" has_healthcheck

    # No registry serves postgres:15 and redis:7 here: stand-ins from the same base image, with the
    # official images' contract (POSTGRES_USER/PASSWORD/DB, UTF8; Redis open to the other containers).
    cat > "$DIR/compose.try.yaml" <<'EOF'
services:
  postgres:
    image: localhost/introledger-base:bookworm
    command:
      - sh
      - -ec
      - |
        D=/var/lib/postgresql/data; B=/usr/lib/postgresql/15/bin
        mkdir -p /run/postgresql && chown postgres: "$$D" /run/postgresql
        if [ ! -s "$$D/PG_VERSION" ]; then
          runuser -u postgres -- $$B/initdb -D "$$D" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
          echo "host all all all scram-sha-256" >> "$$D/pg_hba.conf"
          runuser -u postgres -- $$B/pg_ctl -D "$$D" -o "-c listen_addresses=''" -w start >/dev/null
          runuser -u postgres -- psql -q -c "CREATE ROLE $$POSTGRES_USER LOGIN PASSWORD '$$POSTGRES_PASSWORD'"
          runuser -u postgres -- createdb -O "$$POSTGRES_USER" "$$POSTGRES_DB"
          runuser -u postgres -- $$B/pg_ctl -D "$$D" -m fast -w stop >/dev/null
        fi
        exec runuser -u postgres -- $$B/postgres -D "$$D" -c listen_addresses='*'
  redis:
    image: localhost/introledger-base:bookworm
    # podman-compose 1.0.3 appends an override's command to the original: the entrypoint instead.
    entrypoint: ["sh", "-c", 'cd /data && exec "$$@" --protected-mode no', "--"]
EOF
    for port in 9100 8024 8080; do
        ! ss -ltnH "sport = :$port" | grep -q . || { echo "127.0.0.1:$port is taken; compose.yaml publishes it"; exit 1; }
    done
    POSTGRES_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    INTROLEDGER_TOKEN_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    INTROLEDGER_WEB_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    export POSTGRES_PASSWORD INTROLEDGER_TOKEN_SECRET INTROLEDGER_WEB_SECRET
    compose() { (cd deploy && podman-compose -p introledger -f compose.yaml -f "$DIR/compose.try.yaml" "$@"); }
    compose down -v > /dev/null 2>&1 || true
    trap 'compose down -v > /dev/null 2>&1 || true' EXIT

    say "podman-compose up -d (deploy/compose.yaml, PostgreSQL and Redis stand-ins)"
    compose up -d > "$DIR/compose-up.log" 2>&1 || { tail -20 "$DIR/compose-up.log"; exit 1; }
    running() { [ "$(podman inspect -f '{{.State.Status}}' "introledger_$1")" = running ]; }
    migrated() { [ "$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' introledger_migrate_1)" = "exited 0" ]; }
    check "the migrations ran and exited 0" wait_for 120 migrated
    all_running() { for c in postgres_1 redis_1 worker_1 sender_1 sender_2 lmtp_1 web_1; do running $c || return 1; done; }
    check "postgres, redis, worker, two senders, lmtp and web run" wait_for 60 all_running
    podman ps -a --format '{{.Names}} {{.Status}}'
    healthy() { curl -sf http://127.0.0.1:9100/healthz | grep -q '"ok": true'; }
    check "the worker's /healthz on 127.0.0.1:9100 answers ok" wait_for 60 healthy
    inner_healthy() { podman exec "introledger_$1_1" python -c \
        "import urllib.request as u; assert b'\"ok\": true' in u.urlopen('http://127.0.0.1:9100/healthz').read()" 2>/dev/null; }
    check "the sender's /healthz answers ok" wait_for 60 inner_healthy sender
    check "the lmtp receiver's /healthz answers ok" wait_for 60 inner_healthy lmtp
    web_healthy() { podman healthcheck run introledger_web_1 >/dev/null; }
    check "the dashboard's healthcheck passes" wait_for 60 web_healthy
    worker_healthy() { podman healthcheck run introledger_worker_1 >/dev/null; }
    check "the image's HEALTHCHECK passes in the worker" wait_for 60 worker_healthy
    pg_healthy() { podman healthcheck run introledger_postgres_1 >/dev/null && podman healthcheck run introledger_redis_1 >/dev/null; }
    check "the postgres and redis healthchecks pass" pg_healthy

    say "an intro by LMTP to 127.0.0.1:8024"
    "$DIR/deliver-intro" 127.0.0.1 8024
    one_referral() { podman exec introledger_worker_1 introledger referrals --json | python3 -c \
        'import json, sys; sys.exit(len(json.load(sys.stdin)) != 1)'; }
    check "the intro is committed as a referral" wait_for 30 one_referral
    thank_you() { podman exec introledger_worker_1 introledger outbox --json | python3 -c \
        'import json, sys; sys.exit(not [m for m in json.load(sys.stdin) if m["kind"] == "thank_you"])'; }
    check "a thank-you to the introducer is in the outbox" wait_for 30 thank_you
    podman exec introledger_worker_1 introledger outbox

    say "the worker's process killed with SIGKILL (restart: unless-stopped)"
    kill -9 "$(podman inspect -f '{{.State.Pid}}' introledger_worker_1)"
    restarted() { [ "$(podman inspect -f '{{.RestartCount}}' introledger_worker_1)" -ge 1 ] && running worker_1; }
    check "podman restarted the worker" wait_for 30 restarted
    check "the restarted worker answers /healthz" wait_for 60 healthy
    for s in migrate worker sender lmtp web; do podman logs "introledger_${s}_1" > "$DIR/compose-$s.log" 2>&1 || true; done
    compose down -v > /dev/null 2>&1 || true
    trap - EXIT
    echo "logs: $DIR/compose-*.log"
}

case ${1:-systemd} in
    systemd) systemd_stack ;;
    podman) podman_stack ;;
    all) systemd_stack; podman_stack ;;
    *) echo "usage: $0 [systemd|podman|all]"; exit 2 ;;
esac
say "$failures check(s) failed"
[ "$failures" = 0 ]
