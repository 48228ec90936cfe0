#!/bin/bash
# Install guide, step 4 (doc/source/install): keys, tables, bootstrap.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
CONF_FILE=$CONF_DIR/keystone.conf
"$VENV/bin/keystone-manage" --config-file "$CONF_FILE" fernet_setup \
    --keystone-user "$KEYSTONE_USER" --keystone-group "$KEYSTONE_GROUP"
"$VENV/bin/keystone-manage" --config-file "$CONF_FILE" credential_setup \
    --keystone-user "$KEYSTONE_USER" --keystone-group "$KEYSTONE_GROUP"
# keystone's tables, then the plugin's (keystone-ng-manage is
# keystone-manage with the plugin's commands added)
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" db_sync
"$VENV/bin/keystone-ng-manage" --config-file "$CONF_FILE" db_sync --check
"$VENV/bin/keystone-manage" --config-file "$CONF_FILE" bootstrap \
    --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$PUBLIC_URL/v3" \
    --bootstrap-internal-url "$PUBLIC_URL/v3" \
    --bootstrap-public-url "$PUBLIC_URL/v3"
