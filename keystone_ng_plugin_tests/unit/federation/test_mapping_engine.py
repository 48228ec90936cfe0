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
"""Mapping claims to a federated identity, and refusing what breaks it."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from keystone_ng_plugin.federation import mapping_engine as engine
from keystone_ng_plugin.federation import records

IDP = records.IdentityProvider(id='idp', domain_id=None)
CLAIMS = {'sub': 'u-1', 'preferred_username': 'alice', 'aud': ['keystone'],
          'groups': ['devs', 'ops', 'devs'], 'tenant': 'dom-1',
          'realm_access': {'roles': ['admin']}, 'repository': 'org/repo',
          'ref_protected': True}


def _mapping(**fields):
    mapping = {'enabled': True, 'user_id_claim': 'sub',
               'user_name_claim': 'preferred_username',
               'domain_id': 'dom-0'}
    mapping.update(fields)
    return records.Mapping.from_dict(dict(mapping, id='m', idp_id='idp'))


class MappingEngineTest(testtools.TestCase):

    def test_identity_from_claims(self):
        identity = engine.apply_mapping(_mapping(groups_claim='groups'),
                                        IDP, CLAIMS)
        self.assertEqual(engine.Identity('u-1', 'alice', 'dom-0',
                                         ('devs', 'ops')), identity)

    def test_domain_precedence(self):
        idp = IDP.replace(domain_id='dom-idp')
        self.assertEqual('dom-0', engine.apply_mapping(
            _mapping(), idp, CLAIMS).domain_id)
        self.assertEqual('dom-idp', engine.apply_mapping(
            _mapping(domain_id=None), idp, CLAIMS).domain_id)
        self.assertEqual('dom-1', engine.apply_mapping(
            _mapping(domain_id=None, domain_id_claim='tenant'), IDP,
            CLAIMS).domain_id)
        self.assertEqual('dom-1', engine.apply_mapping(
            _mapping(domain_id=None, domain_id_claim='tenant'), IDP,
            CLAIMS, default_domain_id='dom-v3').domain_id)
        self.assertEqual('dom-v3', engine.apply_mapping(
            _mapping(domain_id=None), IDP, CLAIMS,
            default_domain_id='dom-v3').domain_id)
        self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                          _mapping(domain_id=None), IDP, CLAIMS)

    def test_nested_claims_and_single_group(self):
        identity = engine.apply_mapping(
            _mapping(groups_claim='realm_access.roles'), IDP, CLAIMS)
        self.assertEqual(('admin',), identity.group_names)
        identity = engine.apply_mapping(
            _mapping(groups_claim='repository'), IDP, CLAIMS)
        self.assertEqual(('org/repo',), identity.group_names)
        identity = engine.apply_mapping(
            _mapping(groups_claim='absent'), IDP, CLAIMS)
        self.assertEqual((), identity.group_names)

    def test_bindings(self):
        ok = dict(bound_subject='u-1', bound_audiences=['x', 'keystone'],
                  bound_claims={'repository': 'org/repo',
                                'ref_protected': True})
        engine.apply_mapping(_mapping(**ok), IDP, CLAIMS)
        for broken in ({'bound_subject': 'u-2'},
                       {'bound_audiences': ['other']},
                       {'bound_claims': {'repository': 'org/other'}},
                       {'bound_claims': {'ref_protected': 'true'}},
                       {'bound_claims': {'missing': None}}):
            self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                              _mapping(**broken), IDP, CLAIMS)
        self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                          _mapping(bound_audiences=['keystone']), IDP,
                          dict(CLAIMS, aud=None))

    def test_unusable_claims_and_disabled_mapping(self):
        for claims in (dict(CLAIMS, sub=None), dict(CLAIMS, sub=''),
                       dict(CLAIMS, sub={'a': 1}),
                       dict(CLAIMS, preferred_username='x' * 256),
                       {'sub': 'u'}):
            self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                              _mapping(), IDP, claims)
        self.assertEqual('42', engine.apply_mapping(
            _mapping(), IDP, dict(CLAIMS, sub=42)).unique_id)
        for groups in ([1], 'x' * 300, ['g'] * 0 + [''],
                       ['g%d' % i for i in range(101)], {'a': 1}):
            self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                              _mapping(groups_claim='groups'), IDP,
                              dict(CLAIMS, groups=groups))
        self.assertRaises(engine.MappingRejected, engine.apply_mapping,
                          _mapping(enabled=False), IDP, CLAIMS)


class ClaimPathTest(testtools.TestCase):

    def test_nested_and_dotted_keys(self):
        claims = {'realm_access': {'roles': ['a']}, 'a.b': 1,
                  'kubernetes.io': {'namespace': 'ci',
                                    'serviceaccount': {'name': 'sa'}}}
        self.assertEqual(['a'], engine.claim(claims, 'realm_access.roles'))
        self.assertEqual(1, engine.claim(claims, 'a.b'))
        self.assertEqual('ci', engine.claim(claims, 'kubernetes.io.namespace'))
        self.assertEqual('sa', engine.claim(
            claims, 'kubernetes.io.serviceaccount.name'))
        self.assertIs(engine._MISSING, engine.claim(claims, 'kubernetes.x'))
        self.assertIs(engine._MISSING, engine.claim(claims, 'a.b.c'))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=12), inner, max_size=4), max_leaves=25)
CLAIM_NAMES = st.text(alphabet='ab.', max_size=8) | st.text(max_size=12)


class ClaimPathPropertiesTest(testtools.TestCase):
    """Whatever an IdP asserts and whatever an admin names as a claim:
    reading a claim path never raises, and a mapping either maps or says
    MappingRejected (a 401)."""

    @settings(max_examples=400, deadline=None)
    @given(JSON, CLAIM_NAMES)
    def test_claim_paths(self, claims, name):
        engine.claim(claims, name)

    @settings(max_examples=400, deadline=None)
    @given(st.dictionaries(st.text(alphabet='ab.', max_size=6) |
                           st.sampled_from(['sub', 'aud', 'groups']),
                           JSON, max_size=6),
           CLAIM_NAMES, CLAIM_NAMES, CLAIM_NAMES,
           st.dictionaries(CLAIM_NAMES, JSON, max_size=2))
    def test_mappings(self, claims, user_id, user_name, groups, bound):
        mapping = records.Mapping(
            id='m', idp_id='idp', user_id_claim=user_id or 'sub',
            user_name_claim=user_name or 'sub',
            groups_claim=groups or None, bound_claims=bound,
            bound_audiences=('keystone',), enabled=True)
        try:
            engine.apply_mapping(mapping,
                                 records.IdentityProvider(id='i',
                                                          domain_id='d'),
                                 claims)
        except engine.MappingRejected:
            pass
