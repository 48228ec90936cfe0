# shellcheck shell=bash
# The install guide's settings (doc/source/install). Every command of the
# guide reads them: set them for your deployment here, or in the
# environment before sourcing this file.
# guide:start
# The virtualenv keystone runs from (made in step 2 if it does not exist)
# and the Python 3.11 (or newer) that makes it.
VENV=${VENV:-/opt/keystone}
PYTHON=${PYTHON:-python3.11}
# keystone's configuration directory, and the system user and group that
# keystone runs as (they own the key repositories).
CONF_DIR=${CONF_DIR:-/etc/keystone}
KEYSTONE_USER=${KEYSTONE_USER:-keystone}
KEYSTONE_GROUP=${KEYSTONE_GROUP:-keystone}
# keystone's database (an SQLAlchemy URL) and its Python driver:
# psycopg2-binary (or psycopg2) for postgresql+psycopg2://,
# PyMySQL for mysql+pymysql://.
DB_URL=${DB_URL:-postgresql+psycopg2://keystone:KEYSTONE_DBPASS@db.example.org/keystone}
DB_DRIVER=${DB_DRIVER:-psycopg2-binary}
# The DNS name users and browsers reach keystone at (passkeys are bound to
# it: an IP address does not work) and keystone's public URL. A TLS proxy
# in front forwards to LISTEN; only http://localhost works without TLS.
PUBLIC_HOST=${PUBLIC_HOST:-keystone.example.org}
PUBLIC_URL=${PUBLIC_URL:-https://$PUBLIC_HOST}
LISTEN=${LISTEN:-127.0.0.1:5000}
# The bootstrap administrator's password.
ADMIN_PASSWORD=${ADMIN_PASSWORD:-ADMIN_PASS}
# Where the plugin's wheel is (step 1 builds it there).
WHEEL_DIR=${WHEEL_DIR:-$PWD/dist}
