#!/bin/bash
# Install guide, step 6 (doc/source/install): run it (in the foreground;
# a systemd unit runs the same command).
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
exec "$VENV/bin/uwsgi" --ini "$CONF_DIR/keystone-uwsgi.ini"
