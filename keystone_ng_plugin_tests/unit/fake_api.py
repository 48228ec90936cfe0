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
"""A test-only /v4 API that exercises the plugin's HTTP plumbing."""

import flask
from oslo_policy import policy as oslo_policy

from keystone.common import rbac_enforcer
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.policies import base as policy_base

ENFORCER = rbac_enforcer.RBACEnforcer
GET_RULE = 'identity:ng:fake:get'
CREATE_RULE = 'identity:ng:fake:create'

RULES = [
    oslo_policy.DocumentedRuleDefault(
        name=GET_RULE, check_str=policy_base.RULE_ADMIN_REQUIRED,
        scope_types=['system', 'domain', 'project'],
        description='Show the fake thing.',
        operations=[{'path': '/v4/fake', 'method': 'GET'}]),
    oslo_policy.DocumentedRuleDefault(
        name=CREATE_RULE, check_str='',
        scope_types=['system', 'domain', 'project'],
        description='Create a fake thing.',
        operations=[{'path': '/v4/fake', 'method': 'POST'}]),
]

create_body = {
    'type': 'object',
    'properties': {
        'fake': {
            'type': 'object',
            'properties': {'name': {'type': 'string', 'minLength': 1,
                                    'maxLength': 64}},
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['fake'],
    'additionalProperties': False,
}
fake_body = {
    'type': 'object',
    'properties': {'fake': {'type': 'object'}},
    'required': ['fake'],
}


class FakeResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Show the fake thing')
    @validation.response_body_schema(fake_body)
    def get(self):
        ENFORCER.enforce_call(action=GET_RULE)
        return {'fake': {'name': 'fake'}}

    @ng_api.operation(summary='Create a fake thing', status=201)
    @validation.request_body_schema(create_body)
    @validation.response_body_schema(fake_body)
    def post(self):
        ENFORCER.enforce_call(action=CREATE_RULE)
        return {'fake': flask.request.get_json()['fake']}, 201


class FormResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Take a form post', status=201,
                      authenticated=False)
    @ks_flask.unenforced_api
    def post(self):
        return {'form': dict(flask.request.form)}, 201


class FakeAPI(ng_api.V4APIBase):
    _name = 'ng_fake'
    _import_name = __name__
    url_prefix = '/v4'
    resource_mapping = [
        ng_api.resource(FakeResource, '/fake'),
        ng_api.resource(FormResource, '/fake-form'),
    ]
