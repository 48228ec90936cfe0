# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Registration of the plugin's policy rules into keystone's enforcer.

Keystone 30 has no hook for third-party policy rules: its ``RBACEnforcer``
registers only ``keystone.common.policies.list_rules()`` on the oslo.policy
enforcer it builds, and ``enforce_call`` refuses every action that is not in
the import-time frozenset ``_POSSIBLE_TARGET_ACTIONS``. :func:`install` makes
both know the plugin's rules, so that ``RBACEnforcer.enforce_call`` works for
them exactly as for keystone's own, including operator overrides in
keystone's policy file. The names touched are checked by
:mod:`keystone_ng_plugin.common.compat`.
"""

from keystone.common.rbac_enforcer import enforcer as ks_enforcer
from keystone.common import utils as ks_utils
from keystone import exception

from keystone_ng_plugin import policies

_EXTRA_RULES: list = []


def _plugin_rules():
    return list(policies.list_rules()) + list(_EXTRA_RULES)


def _register_rules_with_plugin(enforcer):
    _original_register_rules(enforcer)
    # A rule can already be known (the enforcer is rebuilt per test).
    for rule in _plugin_rules():
        if rule.name not in enforcer.registered_rules:
            enforcer.register_default(rule)


_original_register_rules = ks_enforcer.RBACEnforcer.register_rules


def install(extra_rules=()):
    """Make keystone's RBAC enforcer know the plugin's rules (idempotent).

    Args:
        extra_rules: further ``oslo_policy.policy.RuleDefault`` objects to
            register (tests use it for rules of test-only APIs).
    """
    for rule in extra_rules:
        if rule.name not in {r.name for r in _EXTRA_RULES}:
            _EXTRA_RULES.append(rule)
    names = {rule.name for rule in _plugin_rules()
             if not rule.deprecated_for_removal}
    ks_enforcer._POSSIBLE_TARGET_ACTIONS = (
        ks_enforcer._POSSIBLE_TARGET_ACTIONS | frozenset(names))
    ks_enforcer.RBACEnforcer.register_rules = staticmethod(
        _register_rules_with_plugin)
    # An enforcer built before install() (keystone builds it lazily) gets
    # the rules now; one built later gets them through register_rules.
    built = getattr(ks_enforcer.RBACEnforcer(),
                    '_RBACEnforcer__ENFORCER', None)
    if built is not None:
        for rule in _plugin_rules():
            if rule.name not in built.registered_rules:
                built.register_default(rule)


def allowed(action: str, target: dict) -> bool:
    """Whether the caller of this request passes a rule for a target.

    For filtering lists item by item, with keystone's enforcer and the
    request's credentials (enforce_call for the list itself comes first).
    """
    ctxt = ks_enforcer.RBACEnforcer._get_oslo_req_context()
    flattened = ks_utils.flatten_dict({'target': target})
    try:
        ks_enforcer.RBACEnforcer()._enforce(
            credentials=ctxt, action=action, target=flattened)
    except exception.ForbiddenAction:
        return False
    return True
