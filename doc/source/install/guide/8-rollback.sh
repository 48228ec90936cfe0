#!/bin/bash
# Install guide, step 8 (doc/source/install): back to stock keystone.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
CONF_FILE=$CONF_DIR/keystone.conf
# 1. The keystone.conf edits stock keystone needs (printed; the command
#    exits 1 while some are needed), then made in place, before the
#    package (and the command) is gone. A copy of the file as it was is
#    kept as keystone.conf.before-rollback.
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" rollback_check ||
    true
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" rollback_check \
    --apply
# 2. The package.
"$VENV/bin/pip" uninstall --yes keystone-ng-plugin
# 3. keystone's own WSGI application; then restart uwsgi.
sed -i 's/^module = keystone_ng_plugin.wsgi:application$/module = keystone.wsgi.api:application/' \
    "$CONF_DIR/keystone-uwsgi.ini"
grep '^module' "$CONF_DIR/keystone-uwsgi.ini"
