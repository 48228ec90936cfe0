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
"""Options of the [k8s_auth] group."""

from oslo_config import cfg

GROUP_NAME = 'k8s_auth'

review_timeout = cfg.FloatOpt(
    'review_timeout', default=5.0, min=0.5, max=60.0,
    help='Seconds keystone waits for a Kubernetes API server to connect '
         'and for each read of its TokenReview answer; a cluster that does '
         'not answer in time makes the login a 502.')

max_review_bytes = cfg.IntOpt(
    'max_review_bytes', default=262144, min=4096, max=16777216,
    help='Most bytes of a TokenReview answer keystone reads; a longer '
         'answer makes the login a 502.')

max_token_ttl = cfg.IntOpt(
    'max_token_ttl', default=3600, min=60, max=86400,
    help='Longest lifetime, in seconds, of a token from a Kubernetes login '
         '(a role\'s token_ttl is capped by it; tokens of service accounts '
         'are also capped by [service_account] max_token_ttl).')

GROUP = cfg.OptGroup(
    GROUP_NAME, title='Kubernetes login',
    help='Pods exchange their service account token for a keystone token; '
         'keystone asks the cluster (TokenReview) whether it is valid.')

ALL_OPTS = [review_timeout, max_review_bytes, max_token_ttl]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
