#!/bin/bash
# Install guide, step 5 (doc/source/install): uwsgi serves keystone with
# the plugin.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
cat > "$CONF_DIR/keystone-uwsgi.ini" <<INI
[uwsgi]
# keystone with the plugin (a drop-in for keystone.wsgi.api:application)
module = keystone_ng_plugin.wsgi:application
virtualenv = $VENV
env = OS_KEYSTONE_CONFIG_FILES=$CONF_DIR/keystone.conf
http-socket = $LISTEN
master = true
processes = 2
# one thread per worker: keystone keeps per-request state on shared objects
threads = 1
# each worker builds its own application (and database connections)
lazy-apps = true
die-on-term = true
exit-on-reload = false
hook-master-start = unix_signal:15 gracefully_kill_them_all
buffer-size = 65535
add-header = Connection: close
INI
