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
"""Options of the [service_account] group."""

from oslo_config import cfg

GROUP_NAME = 'service_account'

max_token_ttl = cfg.IntOpt(
    'max_token_ttl', default=900, min=60, max=86400,
    help='Longest lifetime, in seconds, of a token issued for a service '
         'account (POST /v4/service_accounts/{id}/tokens and JWT logins '
         'mapped to a service account).')

GROUP = cfg.OptGroup(
    GROUP_NAME, title='Service accounts',
    help='Keystone users for machines: no password, restricted tokens only.')

ALL_OPTS = [max_token_ttl]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
