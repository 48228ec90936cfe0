#!/bin/bash
# Install guide, step 1 (doc/source/install): build the plugin's wheel.
# CI runs every step as written: keystone_ng_plugin_tests/functional/
# test_install_guide.py.
set -euo pipefail
. "$(dirname "$0")/settings.sh"
cd "${SOURCE_DIR:-.}"
# guide:start
# In a checkout of keystone-ng-plugin (its version comes from git tags):
python3 -m pip wheel --quiet --no-deps --wheel-dir "$WHEEL_DIR" .
ls "$WHEEL_DIR"/keystone_ng_plugin-*.whl
