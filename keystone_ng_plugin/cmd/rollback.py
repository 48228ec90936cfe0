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
"""What keystone.conf must say before the plugin is uninstalled.

Stock keystone loads every driver its configuration names at start-up: a
``[token] provider``, ``[auth] <method>`` or an ``[auth] methods`` entry
that only this distribution provides makes it answer 500 to every request
once the package is gone. :func:`edits` finds them from the entry points
themselves (whatever this distribution registers), :func:`apply` makes the
edits in a keystone.conf in place, keeping everything else of the file.
"""

import dataclasses
import importlib.metadata
import os
import re
import shutil
import typing as ty

from keystone.conf import constants as ks_constants
from oslo_config import cfg

DISTRIBUTION = 'keystone-ng-plugin'
WSGI_APP = 'keystone_ng_plugin.wsgi:application'
STOCK_WSGI_APP = 'keystone.wsgi.api:application'
# What replaces a token provider of ours: keystone's, with the same keys.
STOCK_PROVIDER = 'fernet'
BACKUP_SUFFIX = '.before-rollback'


@dataclasses.dataclass(frozen=True)
class Edit:
    group: str
    option: str
    value: ty.Optional[str]  # None: remove the option (keystone's default)
    current: str

    def __str__(self):
        if self.value is None:
            change = '[%s] %s: remove the option' % (self.group, self.option)
        else:
            change = '[%s] %s = %s' % (self.group, self.option, self.value)
        return '%s    (now: %s)' % (change, self.current)


def _normalized(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def ours(namespace: str, name: ty.Optional[str]) -> bool:
    """Whether driver ``name`` of ``namespace`` is this distribution's."""
    for entry in importlib.metadata.entry_points(group=namespace):
        if entry.name == name and entry.dist is not None and (
                _normalized(entry.dist.name) == _normalized(DISTRIBUTION)):
            return True
    return False


def _auth_driver(conf, method: str) -> str:
    try:
        return conf.auth.get(method) or 'default'
    except cfg.NoSuchOptError:  # an unregistered method: its default driver
        return 'default'


def _plugin_methods(conf) -> list[str]:
    """The [auth] methods only this distribution provides."""
    return [m for m in conf.auth.methods
            if m not in ks_constants._DEFAULT_AUTH_METHODS
            and ours('keystone.auth.' + m, _auth_driver(conf, m))]


def edits(conf) -> list[Edit]:
    """The keystone.conf edits stock keystone needs, in order."""
    found = []
    if ours('keystone.token.provider', conf.token.provider):
        found.append(Edit('token', 'provider', STOCK_PROVIDER,
                          conf.token.provider))
    methods = list(conf.auth.methods)
    plugin_methods = _plugin_methods(conf)
    for method in methods:
        if method in plugin_methods:
            continue
        driver = _auth_driver(conf, method)
        if driver != 'default' and ours('keystone.auth.' + method, driver):
            found.append(Edit('auth', method, None, driver))
    if plugin_methods:
        found.append(Edit('auth', 'methods', ','.join(
            m for m in methods if m not in plugin_methods),
            ','.join(methods)))
    primary = list(conf.auth.additional_primary_auth_methods or [])
    kept = [m for m in primary if m not in plugin_methods]
    if kept != primary:
        found.append(Edit('auth', 'additional_primary_auth_methods',
                          ','.join(kept) if kept else None,
                          ','.join(primary)))
    return found


def relabelled_methods(conf) -> list[str]:
    """Plugin methods that are not at the end of ``[auth] methods``: tokens
    store their methods as positions in that list, so dropping one of these
    shifts the methods read from every later method's live tokens."""
    methods = list(conf.auth.methods)
    plugin = _plugin_methods(conf)
    tail = len(methods)
    while tail and methods[tail - 1] in plugin:
        tail -= 1
    return [m for m in methods[:tail] if m in plugin]


_SECTION = re.compile(r'^\s*\[(?P<name>[^\]]+)\]\s*$')


def _option_re(option: str):
    return re.compile(r'^%s\s*[=:]' % re.escape(option))


def _apply_one(lines: list[str], edit: Edit) -> list[str]:
    out = []
    section = None
    option = _option_re(edit.option)
    done = False
    last_header = None  # index in out of the group's last header
    skipping = False  # continuation lines of a removed option
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section = header.group('name').strip()
            skipping = False
            out.append(line)
            if section == edit.group:
                last_header = len(out) - 1
            continue
        if skipping and line[:1] in (' ', '\t') and line.strip():
            continue
        skipping = False
        if section == edit.group and option.match(line):
            skipping = True
            if edit.value is not None and not done:
                out.append('%s = %s\n' % (edit.option, edit.value))
                done = True
            continue
        out.append(line)
    if edit.value is not None and not done:
        new = '%s = %s\n' % (edit.option, edit.value)
        if last_header is None:
            if out and not out[-1].endswith('\n'):
                out[-1] += '\n'
            out += ['\n', '[%s]\n' % edit.group, new]
        else:
            out.insert(last_header + 1, new)
    return out


def apply(path: str, found: list[Edit]) -> str:
    """Make ``found`` in the file at ``path``, in place (its owner and mode
    kept); returns the path of the backup of the file as it was."""
    with open(path) as f:
        lines = f.read().splitlines(keepends=True)
    for edit in found:
        lines = _apply_one(lines, edit)
    backup = path + BACKUP_SUFFIX
    shutil.copy2(path, backup)
    new = path + '.rollback-new'
    shutil.copy2(path, new)  # the original's mode and times
    try:
        stat = os.stat(path)
        os.chown(new, stat.st_uid, stat.st_gid)
    except PermissionError:
        pass
    with open(new, 'w') as f:
        f.writelines(lines)
    os.replace(new, path)
    return backup
