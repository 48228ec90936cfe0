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
"""Rally plugins: load scenarios for the plugin's flows and keystone's own.

Loaded by Rally with ``--plugin-paths`` pointing at this directory, from a
checkout: nothing here needs the plugin installed in Rally's virtualenv
(the test suite is not in the plugin's wheel). The task
files are in ``rally-jobs/``; see doc/source/admin/load-testing.rst.
"""
