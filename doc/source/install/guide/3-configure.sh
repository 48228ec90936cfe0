#!/bin/bash
# Install guide, step 3 (doc/source/install): keystone.conf.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
install -d -m 0750 "$CONF_DIR"
cat > "$CONF_DIR/keystone.conf" <<CONF
[database]
connection = $DB_URL

[token]
# keystone's fernet tokens plus restricted tokens (same keys; an ordinary
# token is a stock fernet token)
provider = ngfernet

[fernet_tokens]
key_repository = $CONF_DIR/fernet-keys/

[fernet_receipts]
# MFA receipts: keystone reads this separately from [fernet_tokens]
key_repository = $CONF_DIR/fernet-keys/

[credential]
# also encrypts the plugin's identity provider client secrets
key_repository = $CONF_DIR/credential-keys/

[auth]
# keystone's methods with the plugin's appended at the END: tokens store
# their methods as positions in this list (never insert or reorder)
methods = external,password,token,oauth1,mapped,application_credential,passkey
# a passkey proves who the user is: its tokens are not delegated ones
additional_primary_auth_methods = passkey
# restricted tokens may be renewed or rescoped within their restriction
token = ngrestricted

[passkey]
# the DNS name passkeys are bound to (it cannot change later without
# invalidating every passkey) and the pages that may use them
relying_party_id = $PUBLIC_HOST
origins = $PUBLIC_URL
CONF
chmod 0640 "$CONF_DIR/keystone.conf"
