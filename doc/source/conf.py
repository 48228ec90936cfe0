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

"""Sphinx configuration of the keystone-ng-plugin documentation."""

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    # The openstack commands' reference, from keystone-ng-client's entry
    # points (as OSC plugins document theirs).
    'cliff.sphinxext',
]

openstackdocs_repo_name = 'openstack/keystone-ng-plugin'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False

project = 'keystone-ng-plugin'
copyright = '2026, keystone-ng-plugin developers'
master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'native'
html_theme = 'openstackdocs'
html_static_path = []
