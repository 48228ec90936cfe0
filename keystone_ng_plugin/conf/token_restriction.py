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
"""Options of the [token_restriction] group: restricted tokens."""

from oslo_config import cfg

GROUP_NAME = 'token_restriction'

max_ttl = cfg.IntOpt(
    'max_ttl', default=3600, min=60,
    help='Longest lifetime, in seconds, of a token minted from a '
         'restriction (POST /v4/tokens/restrictions/{id}/tokens). A '
         'restriction\'s own max_ttl may shorten it; a restricted token '
         'never outlives the token it was made from.')

GROUP = cfg.OptGroup(
    GROUP_NAME, title='Restricted tokens',
    help='Token restrictions narrow the roles, project and lifetime of '
         'keystone tokens. They need [token] provider = ngfernet.')

ALL_OPTS = [max_ttl]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
