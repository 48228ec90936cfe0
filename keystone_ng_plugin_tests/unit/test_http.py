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
"""Policy, validation and request-body handling of /v4 routes."""

import http.client
import os

import fixtures

from keystone.common.rbac_enforcer import enforcer as ks_enforcer

from keystone_ng_plugin.common import policy as ng_policy
from keystone_ng_plugin_tests.unit import base
from keystone_ng_plugin_tests.unit import fake_api


class HTTPPlumbingTest(base.TestCase):

    def extra_apis(self, app):
        ng_policy.install(extra_rules=fake_api.RULES)
        fake_api.FakeAPI.instantiate_and_register_to_app(app)

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(
            group='keystone_ng',
            json_body_exempt_prefixes=['/v4/fake-form', '/v3/auth'])

    def _get(self, token, status):
        with self.test_client() as c:
            return c.get('/v4/fake', headers={'X-Auth-Token': token},
                         expected_status_code=status)

    # Policy.
    def test_plugin_rule_enforced_by_keystone_enforcer(self):
        self._get(self.admin_token(), http.client.OK)
        r = self._get(self.member_token(), http.client.FORBIDDEN)
        self.assertEqual(403, r.json['error']['code'])

    def test_no_token_is_401(self):
        with self.test_client() as c:
            r = c.get('/v4/fake',
                      expected_status_code=http.client.UNAUTHORIZED)
        self.assertEqual(401, r.json['error']['code'])

    def test_operator_override_in_keystone_policy_file(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'policy.yaml')
        with open(path, 'w') as f:
            f.write('"%s": "role:member"\n' % fake_api.GET_RULE)
        self.config_fixture.config(group='oslo_policy', policy_file=path)
        ks_enforcer.RBACEnforcer()._reset()
        self._get(self.member_token(), http.client.OK)

    def test_plugin_rules_survive_enforcer_rebuild(self):
        ks_enforcer.RBACEnforcer()._reset()
        self._get(self.admin_token(), http.client.OK)

    def test_rule_names_known_to_keystone(self):
        for rule in fake_api.RULES:
            self.assertIn(rule.name, ks_enforcer._POSSIBLE_TARGET_ACTIONS)

    # Request validation.
    def test_valid_body_is_accepted(self):
        with self.test_client() as c:
            r = c.post('/v4/fake', json={'fake': {'name': 'x'}},
                       headers={'X-Auth-Token': self.admin_token()})
        self.assertEqual({'name': 'x'}, r.json['fake'])

    def test_invalid_bodies_are_400_in_keystone_envelope(self):
        token = self.admin_token()
        for body in ({}, {'fake': {}}, {'fake': {'name': ''}},
                     {'fake': {'name': 'x', 'extra': 1}},
                     {'fake': {'name': 'x' * 65}}, {'fake': 'nope'}):
            with self.test_client() as c:
                r = c.post('/v4/fake', json=body,
                           headers={'X-Auth-Token': token},
                           expected_status_code=http.client.BAD_REQUEST)
            self.assertEqual(400, r.json['error']['code'], body)
            self.assertEqual('Bad Request', r.json['error']['title'])

    def test_malformed_json_is_400(self):
        with self.test_client() as c:
            r = c.post('/v4/fake', data='{"fake": ',
                       headers={'X-Auth-Token': self.admin_token(),
                                'Content-Type': 'application/json'},
                       expected_status_code=http.client.BAD_REQUEST)
        self.assertEqual(400, r.json['error']['code'])

    # Non-JSON bodies.
    def test_form_post_allowed_on_exempt_v4_prefix(self):
        with self.test_client() as c:
            r = c.post('/v4/fake-form', data={'state': 's', 'code': 'c'})
        self.assertEqual({'state': 's', 'code': 'c'}, r.json['form'])

    def test_form_post_refused_elsewhere_under_v4(self):
        with self.test_client() as c:
            r = c.post('/v4/fake', data={'name': 'x'},
                       headers={'X-Auth-Token': self.admin_token()},
                       expected_status_code=http.client.BAD_REQUEST)
        self.assertEqual(400, r.json['error']['code'])

    def test_exemption_never_applies_outside_v4(self):
        with self.test_client() as c:
            c.post('/v3/auth/tokens', data={'a': 'b'},
                   expected_status_code=http.client.BAD_REQUEST)
