#!/usr/bin/env bash
# Set up everything this project needs on a fresh Debian machine (as root or
# with sudo): system packages from bindep.txt, then the virtualenv .venv with
# keystone 30.x, the plugin (editable) and the openstack CLI.
#
#   tools/setup-env.sh          what running the dev server needs
#   tools/setup-env.sh test     + test, lint and docs dependencies, Tempest,
#                               Rally, Schemathesis
#   tools/setup-env.sh bench    + memcached, Apache, mod_wsgi, for tools/bench
#
# Re-running is cheap: each step is skipped when its inputs did not change.
set -euo pipefail

PROFILE=${1:-run}
case "$PROFILE" in
    run) WITH_TEST= ;;
    test|bench) WITH_TEST=1 ;;
    *) echo "usage: $0 [run|test|bench]" >&2; exit 2 ;;
esac
TOP=$(cd "$(dirname "$0")/.." && pwd)
VENV=${NG_VENV:-$TOP/.venv}
TEMPEST_VENV=${NG_TEMPEST_VENV:-$TOP/.venv-tempest}
RALLY_VENV=${NG_RALLY_VENV:-$TOP/.venv-rally}
FUZZ_VENV=${NG_FUZZ_VENV:-$TOP/.venv-fuzz}
CLIENT_VENV=${NG_CLIENT_VENV:-$TOP/.venv-client}
cd "$TOP"

log() { printf '==> %s\n' "$*" >&2; }

# pip, quietly: drop its notes about unreachable extra index locations.
pip_q() {
    local rc=0
    "$@" 2> >(grep -v -e 'is ignored: it is neither' >&2) || rc=$?
    return "$rc"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root for: $*"
        return 1
    fi
}

APT_UPDATED=
apt_install() {
    [ $# -gt 0 ] || return 0
    if [ -z "$APT_UPDATED" ]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# 1. A Python >= 3.11 that can make virtualenvs.
if ! PY=$(pick_python); then
    apt_install python3 python3-venv python3-dev
    PY=$(pick_python) || { log "no Python >= 3.11 with venv"; exit 1; }
fi

# 2. The virtualenv, and bindep to read bindep.txt.
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $PY"
    "$PY" -m venv "$VENV"
    pip_q "$VENV/bin/pip" install -q --upgrade pip setuptools wheel
fi
PIP="$VENV/bin/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ ! -x "$VENV/bin/bindep" ]; then
    pip_q "$PIP" install -q bindep
fi

# 3. System packages (bindep.txt; "test" profile for tests).
if [ "$PROFILE" = bench ]; then
    missing=$("$VENV/bin/bindep" -b test bench || true)
elif [ -n "$WITH_TEST" ]; then
    missing=$("$VENV/bin/bindep" -b test || true)
else
    missing=$("$VENV/bin/bindep" -b || true)
fi
# shellcheck disable=SC2086
apt_install $missing

# 4. Python packages, re-installed only when a requirements file changed.
req_files=(requirements.txt setup.cfg)
pip_args=(-e '.[gunicorn]' python-openstackclient)
if [ -n "$WITH_TEST" ]; then
    req_files+=(test-requirements.txt doc/requirements.txt)
    pip_args+=(-r test-requirements.txt -r doc/requirements.txt)
fi
stamp="$VENV/.ng-$PROFILE.sha"
sum=$(cat "${req_files[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    log "pip install ${pip_args[*]}"
    pip_q "$PIP" install -q "${pip_args[@]}"
    "$VENV/bin/python" -c 'import keystone_ng_plugin, keystone, gunicorn' ||
        { log "pip install failed"; exit 1; }
    echo "$sum" > "$stamp"
fi

# 4b. mod_wsgi for the Apache comparison of tools/bench, built for this
# virtualenv's Python (against apache2-dev).
if [ "$PROFILE" = bench ] && [ ! -x "$VENV/bin/mod_wsgi-express" ]; then
    log "pip install mod_wsgi"
    pip_q "$PIP" install -q 'mod_wsgi>=5.0.0'
fi

# 5. Real peers in node: an OpenID provider for the federation tests (npm
# oidc-provider) and a relying party for the provider's (npm openid-client).
if [ -n "$WITH_TEST" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    for peer in oidc-provider openid-client; do
        nstamp="tools/$peer/node_modules/.ng.sha"
        nsum=$(sha256sum "tools/$peer/package-lock.json" | cut -d' ' -f1)
        if [ ! -f "$nstamp" ] || [ "$(cat "$nstamp")" != "$nsum" ]; then
            log "npm ci (tools/$peer)"
            (cd "tools/$peer" &&
                npm ci --no-audit --no-fund --loglevel=error >&2)
            echo "$nsum" > "$nstamp"
        fi
    done
fi

# 6. Tempest in its own virtualenv (its pins differ from keystone's).
if [ -n "$WITH_TEST" ]; then
    tstamp="$TEMPEST_VENV/.ng.sha"
    tsum=$(sha256sum tools/tempest-requirements.txt | cut -d' ' -f1)
    if [ ! -f "$tstamp" ] || [ "$(cat "$tstamp")" != "$tsum" ]; then
        log "creating $TEMPEST_VENV"
        "$PY" -m venv "$TEMPEST_VENV"
        pip_q "$TEMPEST_VENV/bin/pip" install -q --upgrade pip
        pip_q "$TEMPEST_VENV/bin/pip" install -q \
            -r tools/tempest-requirements.txt
        "$TEMPEST_VENV/bin/tempest" --version >/dev/null ||
            { log "tempest install failed"; exit 1; }
        echo "$tsum" > "$tstamp"
    fi
fi
# 7. Rally in its own virtualenv (the scenarios are loaded by path).
if [ -n "$WITH_TEST" ]; then
    rstamp="$RALLY_VENV/.ng.sha"
    rsum=$(sha256sum < tools/rally-requirements.txt | cut -d' ' -f1)
    if [ ! -f "$rstamp" ] || [ "$(cat "$rstamp")" != "$rsum" ]; then
        log "creating $RALLY_VENV"
        [ -x "$RALLY_VENV/bin/python" ] || "$PY" -m venv "$RALLY_VENV"
        pip_q "$RALLY_VENV/bin/pip" install -q --upgrade pip
        pip_q "$RALLY_VENV/bin/pip" install -q -r tools/rally-requirements.txt
        "$RALLY_VENV/bin/rally" --version >/dev/null ||
            { log "rally install failed"; exit 1; }
        echo "$rsum" > "$rstamp"
    fi
fi
# 8. Schemathesis in its own virtualenv (the contract fuzzer).
if [ -n "$WITH_TEST" ]; then
    fstamp="$FUZZ_VENV/.ng.sha"
    fsum=$(sha256sum tools/fuzz-requirements.txt | cut -d' ' -f1)
    if [ ! -f "$fstamp" ] || [ "$(cat "$fstamp")" != "$fsum" ]; then
        log "creating $FUZZ_VENV"
        [ -x "$FUZZ_VENV/bin/python" ] || "$PY" -m venv "$FUZZ_VENV"
        pip_q "$FUZZ_VENV/bin/pip" install -q --upgrade pip
        pip_q "$FUZZ_VENV/bin/pip" install -q -r tools/fuzz-requirements.txt
        "$FUZZ_VENV/bin/schemathesis" --version >/dev/null ||
            { log "schemathesis install failed"; exit 1; }
        echo "$fsum" > "$fstamp"
    fi
fi
# 9. The client distribution (client/) in a clean virtualenv of its own,
# with the openstack CLI from PyPI and no keystone: what a laptop, a CI
# runner or a pod has. It is installed as a user installs it (a built
# wheel, not a link to the tree), again whenever a file of client/ changed.
# The functional tests run its `openstack`.
if [ -n "$WITH_TEST" ]; then
    cstamp="$CLIENT_VENV/.ng.sha"
    csum=$(find client -type f \( -name '*.py' -o -name '*.cfg' \
        -o -name '*.txt' -o -name '*.rst' \) -not -path '*.egg-info/*' \
        -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
    if [ ! -f "$cstamp" ] || [ "$(cat "$cstamp")" != "$csum" ]; then
        log "installing client/ into $CLIENT_VENV"
        [ -x "$CLIENT_VENV/bin/python" ] || "$PY" -m venv "$CLIENT_VENV"
        pip_q "$CLIENT_VENV/bin/pip" install -q --upgrade pip
        pip_q "$CLIENT_VENV/bin/pip" install -q ./client \
            -r client/test-requirements.txt
        pip_q "$CLIENT_VENV/bin/pip" install -q --force-reinstall --no-deps \
            ./client
        rm -rf client/build  # setuptools' in-tree build directory
        if "$CLIENT_VENV/bin/python" -c 'import keystone' 2>/dev/null; then
            log "the client venv must not hold keystone"
            exit 1
        fi
        echo "$csum" > "$cstamp"
    fi
    # The docs build (in $VENV) reads the commands' entry points.
    if ! "$VENV/bin/python" -c 'import keystone_ng_client' 2>/dev/null; then
        pip_q "$PIP" install -q -e ./client
    fi
fi
log "environment ready: $VENV"
