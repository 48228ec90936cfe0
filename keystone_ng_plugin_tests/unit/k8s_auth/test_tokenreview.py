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
"""The TokenReview step against the HTTPS stand-in of the API server
(keystone_ng_plugin_tests.kube_apiserver): what the cluster vouches for,
and each way it does not."""

import pytest

from keystone_ng_plugin.k8s_auth import tokenreview
from keystone_ng_plugin_tests import kube_apiserver

AUD = 'keystone'


@pytest.fixture(scope='module')
def cluster():
    server = kube_apiserver.KubeAPIServer()
    yield server
    server.stop()


def _review(cluster, token, **changes):
    kwargs = dict(host=cluster.url, ca_cert=cluster.ca_pem,
                  reviewer_jwt=cluster.reviewer(), audiences=[AUD])
    kwargs.update(changes)
    return tokenreview.review(token, **kwargs)


def test_a_service_account_token_is_vouched_for(cluster):
    token = cluster.issue('ci', 'deployer', audiences=[AUD],
                          pod_name='runner-1', pod_uid='pod-uid-1')
    review = _review(cluster, token)
    assert review.service_account == ('ci', 'deployer')
    assert review.audiences == (AUD,)
    assert review.extra_value('authentication.kubernetes.io/pod-name') == \
        'runner-1'
    assert 'system:serviceaccounts:ci' in review.groups and review.uid
    assert cluster.reviews[-1] == {'token': token, 'audiences': [AUD]}


@pytest.mark.parametrize('case', ['unknown', 'expired', 'deleted',
                                  'audience'])
def test_what_the_cluster_does_not_vouch_for(cluster, case):
    token = cluster.issue('ci', 'gone-' + case, audiences=[AUD],
                          lifetime=-1 if case == 'expired' else 600)
    if case == 'unknown':
        token = 'eyJhbGciOiJSUzI1NiJ9.e30.sig'
    if case == 'deleted':
        cluster.deleted.add(('ci', 'gone-deleted'))
    audiences = ['someone-else'] if case == 'audience' else [AUD]
    with pytest.raises(tokenreview.ReviewRefused, match='not authenticated'):
        _review(cluster, token, audiences=audiences)


def test_the_reviewer_must_be_known_and_allowed(cluster):
    token = cluster.issue('ci', 'deployer', audiences=[AUD])
    with pytest.raises(tokenreview.ReviewRefused, match='HTTP 401'):
        _review(cluster, token, reviewer_jwt='not-a-reviewer')
    with pytest.raises(tokenreview.ReviewRefused, match='HTTP 403'):
        _review(cluster, token, reviewer_jwt=cluster.reviewer(False))


def test_only_the_pinned_ca_and_only_https(cluster):
    token = cluster.issue('ci', 'deployer', audiences=[AUD])
    _, other_ca = kube_apiserver.make_ca('another CA')
    with pytest.raises(tokenreview.ClusterUnreachable, match='failed'):
        _review(cluster, token, ca_cert=kube_apiserver.pem(other_ca))
    with pytest.raises(ValueError, match='https'):
        _review(cluster, token, host=cluster.url.replace('https', 'http'))
    with pytest.raises(tokenreview.ClusterUnreachable):
        _review(cluster, token, host='https://127.0.0.1:9', timeout=2)


def test_an_answer_over_the_cap_is_not_read(cluster):
    token = cluster.issue('ci', 'deployer', audiences=[AUD])
    with pytest.raises(tokenreview.ClusterUnreachable, match='over 64'):
        _review(cluster, token, max_bytes=64)


@pytest.mark.parametrize('username', [
    'alice', 'system:serviceaccount:ci', 'system:serviceaccount::x',
    'system:serviceaccount:ci:a:b'])
def test_only_service_account_usernames(username):
    review = tokenreview.Review(username=username, uid='', groups=(),
                                audiences=(), extra={})
    with pytest.raises(tokenreview.ReviewRefused):
        review.service_account
