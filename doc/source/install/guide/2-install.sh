#!/bin/bash
# Install guide, step 2 (doc/source/install): keystone's virtualenv, with
# the plugin.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
# A new virtualenv with keystone 30.x, the database driver and uwsgi (an
# existing keystone virtualenv skips this part).
if [ ! -x "$VENV/bin/keystone-manage" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet 'keystone>=30.0.0,<31.0.0' "$DB_DRIVER" \
        uwsgi python-openstackclient
fi
# The plugin, from the wheel (pip takes the newest version found there).
"$VENV/bin/pip" install --quiet --find-links "$WHEEL_DIR" keystone-ng-plugin
"$VENV/bin/pip" show keystone-ng-plugin | grep -E '^(Name|Version)'
