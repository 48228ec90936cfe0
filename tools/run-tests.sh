#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, docs, samples and
# OpenAPI drift, unit tests, functional tests on SQLite, PostgreSQL and
# MariaDB, and Tempest's identity tests against the plugin's entry point.
#
#   tools/run-tests.sh            everything
#   NG_SKIP_TEMPEST=1 tools/run-tests.sh     everything but Tempest
#
# PostgreSQL (127.0.0.1:5432, trust) and MariaDB (127.0.0.1:3306, root
# without password) must be running; with CI set, an unreachable one fails.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
"$TOP/tools/setup-env.sh" test

VENV=${NG_VENV:-$TOP/.venv}
BIN=$VENV/bin
# keystone's imports warn that eventlet is deprecated: noise.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning,ignore:::oslo_service.backend._eventlet.loopingcall}
step() { printf '\n==== %s\n' "$*"; }

# Start the local database servers if they are installed but not running
# (machines of this kind start them at boot; a stopped one is restarted).
ensure_databases() {
    if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 &&
        command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    fi
    if command -v mysqladmin >/dev/null &&
        ! mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1 &&
        [ -x /usr/sbin/mariadbd ]; then
        echo "starting MariaDB"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
        for _ in $(seq 30); do
            mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
            sleep 1
        done
    fi
}

step "lint: flake8"
"$BIN/flake8" keystone_ng_plugin keystone_ng_plugin_tests tools doc/source releasenotes/source \
    client

step "lint: bashate and shellcheck (devstack plugin, scripts)"
shell_files=(devstack/plugin.sh devstack/settings tools/*.sh tools/bench .ci/run
    doc/source/install/guide/*.sh)
"$BIN/bashate" --ignore E005,E006 "${shell_files[@]}"
shellcheck -x -e SC1090,SC1091,SC2034 "${shell_files[@]}"

step "docs and release notes (warnings are errors)"
rm -rf doc/build releasenotes/build
"$BIN/sphinx-build" -q -W --keep-going -b html doc/source doc/build/html
"$BIN/reno" lint >/dev/null
"$BIN/sphinx-build" -q -W --keep-going -b html releasenotes/source \
    releasenotes/build/html

if [ -z "${NG_SKIP_TEMPEST:-}" ]; then
    step "tempest: tempest.api.identity + keystone_tempest_plugin.tests.api"
    "$BIN/python" tools/run_tempest.py "$TOP/.venv-tempest/bin/tempest" \
        "$TOP/.work/tempest"
fi

step "client: unit tests in its own virtualenv (no keystone there)"
"$TOP/.venv-client/bin/python" -m pytest -p no:cacheprovider -q \
    client/keystone_ng_client/tests/unit

step "unit tests (one worker per core: each test has its own database)"
ensure_databases
"$BIN/python" -m pytest -p no:cacheprovider -ra -n "$(nproc)" \
    keystone_ng_plugin_tests/unit "$@"

step "functional tests (SQLite, PostgreSQL, MariaDB)"
# --durations: the slowest tests, to keep the whole run well under an hour
"$BIN/python" -m pytest -p no:cacheprovider -ra --durations=30 \
    keystone_ng_plugin_tests/functional "$@"
