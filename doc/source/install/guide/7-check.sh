#!/bin/bash
# Install guide, step 7 (doc/source/install): check the deployment.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
# guide:start
# The openstack CLI with the bootstrap administrator.
export OS_AUTH_URL=$PUBLIC_URL/v3 OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin OS_PASSWORD=$ADMIN_PASSWORD OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
OPENSTACK=$VENV/bin/openstack

# keystone itself
"$OPENSTACK" token issue -c expires -c project_id -c user_id
TOKEN=$("$OPENSTACK" token issue -f value -c id)
PROJECT_ID=$("$OPENSTACK" project show admin -f value -c id)

# the plugin's API and the passkey page (a browser then offers to sign in
# with a passkey at $PUBLIC_URL/v4/passkeys/ui)
curl -fsS "$PUBLIC_URL/v4" | "$VENV/bin/python" -m json.tool
curl -fsS -o /dev/null -w 'passkey page: %{http_code}\n' \
    "$PUBLIC_URL/v4/passkeys/ui"
curl -fsS -o /dev/null -w 'passkey page script: %{http_code}\n' \
    "$PUBLIC_URL/v4/passkeys/ui/app.js"

# a restricted token: read-only on the admin project, for 15 minutes
RESTRICTION_ID=$(curl -fsS -X POST "$PUBLIC_URL/v4/tokens/restrictions" \
    -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
    -d '{"restriction": {"domain_id": "default", "max_ttl": 900,
        "project_id": "'"$PROJECT_ID"'", "roles": [{"name": "reader"}],
        "description": "install check"}}' |
    "$VENV/bin/python" -c 'import json, sys
print(json.load(sys.stdin)["restriction"]["id"])')
RESTRICTED=$(curl -fsS -X POST -o /dev/null -D - \
    "$PUBLIC_URL/v4/tokens/restrictions/$RESTRICTION_ID/tokens" \
    -H "X-Auth-Token: $TOKEN" |
    awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r')
# validated as every OpenStack service validates a token: only "reader"
curl -fsS "$PUBLIC_URL/v3/auth/tokens" \
    -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $RESTRICTED" |
    "$VENV/bin/python" -c 'import json, sys
token = json.load(sys.stdin)["token"]
print("restricted token roles:", [r["name"] for r in token["roles"]])
print("methods:", token["methods"])'
echo "ordinary token: $TOKEN"
echo "restricted token: $RESTRICTED"
