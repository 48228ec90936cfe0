#!/bin/bash
# Install guide, step 9 (doc/source/install): the plugin again, after a
# rollback or to upgrade it.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
CONF_FILE=$CONF_DIR/keystone.conf
"$VENV/bin/pip" install --quiet --find-links "$WHEEL_DIR" keystone-ng-plugin
# idempotent: the plugin's tables (kept by the rollback) are brought to
# this version's head, nothing else changes
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" db_sync
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" db_sync --check
# keystone.conf as it was before the rollback, and the plugin's WSGI
# application; then restart uwsgi
if [ -f "$CONF_FILE.before-rollback" ]; then
    cp -p "$CONF_FILE.before-rollback" "$CONF_FILE"
fi
sed -i 's/^module = keystone.wsgi.api:application$/module = keystone_ng_plugin.wsgi:application/' \
    "$CONF_DIR/keystone-uwsgi.ini"
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" doctor || true
