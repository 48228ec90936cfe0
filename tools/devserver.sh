#!/usr/bin/env bash
# Set everything up and run Keystone with keystone-ng-plugin at
# http://127.0.0.1:5000 on an embedded SQLite database, bootstrapped, in the
# foreground (Ctrl-C stops it). Arguments go to keystone-ng-devserver, e.g.
#   tools/devserver.sh --port 5001 --state-dir /tmp/ks
#   tools/devserver.sh --config-file dev.conf   (keystone.conf options of
#                                                your own, kept in .state)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
"$TOP/tools/setup-env.sh"
# keystone's imports warn that eventlet is deprecated: noise.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning,ignore:::oslo_service.backend._eventlet.loopingcall}
exec "${NG_VENV:-$TOP/.venv}/bin/keystone-ng-devserver" \
    --state-dir "$TOP/.state" "$@"
