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
"""One shape for every "openstack ng" resource: create, list, show, set,
delete, with OSC's formatters (-f json|yaml|value|table, -c, --long) and
OSC's wording for what is not found."""

import json
import urllib.parse

from keystoneauth1 import exceptions as ks_exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command
from osc_lib import exceptions


def seg(value) -> str:
    """``value`` as one path segment (a name with / or ? stays a name)."""
    return urllib.parse.quote(str(value), safe='')


def client_of(app):
    return app.client_manager.identity_ng


def _json(value):
    try:
        return json.loads(value)
    except ValueError as exc:
        raise exceptions.CommandError('not JSON: %s (%s)' % (value, exc))


def text_of_file(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as exc:
        raise exceptions.CommandError('%s: %s' % (path, exc.strerror))


class Field:
    """One body field and its option (``default``: sent on create when
    the option is not given).

    kind: str, int, list (repeatable), json, files (repeatable, each file's
    text), bool (a --x / --no-x pair, or the two flags given in flags).
    """

    def __init__(self, key, flag=None, kind='str', help='',
                 required=False, positional=False, flags=None,
                 metavar=None, resolve=None, update=True, default=None):
        self.key = key
        self.flag = flag or '--' + key.replace('_', '-')
        self.kind = kind
        self.help = help
        self.required = required
        self.positional = positional
        self.flags = flags or (self.flag, '--no-' + self.flag[2:])
        self.metavar = metavar or '<%s>' % self.flag[2:]
        self.resolve = resolve
        self.update = update
        self.default = default

    def add_to(self, parser, create):
        if self.positional:
            if create:
                parser.add_argument(self.key, metavar=self.metavar,
                                    help=self.help)
            else:
                parser.add_argument(self.flag, dest=self.key,
                                    metavar=self.metavar, help=self.help)
            return
        if self.kind == 'bool':
            group = parser.add_mutually_exclusive_group()
            group.add_argument(self.flags[0], dest=self.key,
                               action='store_true', default=None,
                               help=self.help)
            group.add_argument(self.flags[1], dest=self.key,
                               action='store_false', default=None,
                               help='The opposite of %s' % self.flags[0])
            return
        kwargs = {'dest': self.key, 'metavar': self.metavar,
                  'help': self.help}
        if self.kind in ('list', 'files'):
            kwargs['action'] = 'append'
            kwargs['help'] += ' (repeat for more)'
        elif self.kind == 'int':
            kwargs['type'] = int
        elif self.kind == 'json':
            kwargs['type'] = _json
        if self.required and create:
            kwargs['required'] = True
        parser.add_argument(self.flag, **kwargs)

    def value(self, client, parsed_args):
        value = getattr(parsed_args, self.key, None)
        if value is None:
            return None
        if self.kind == 'files':
            value = [text_of_file(path) for path in value]
        if self.resolve:
            value = self.resolve(client, value)
        return value


def body_of(fields, client, parsed_args, create):
    body = {}
    for field in fields:
        if not create and not field.update:
            continue
        value = field.value(client, parsed_args)
        if value is None and create:
            value = field.default
        if value is not None:
            body[field.key] = value
    return body


def formatted(item, columns):
    """Values for OSC's formatters: lists and dicts as its columns."""
    row = []
    for column in columns:
        value = item.get(column)
        if isinstance(value, list):
            value = format_columns.ListColumn(value)
        elif isinstance(value, dict):
            value = format_columns.DictColumn(value)
        row.append(value)
    return tuple(row)


def show(item, columns=None):
    columns = tuple(columns or sorted(item))
    return columns, formatted(item, columns)


# Name or ID lookups on keystone's v3 API.
def _v3_find(client, collection, member, value, **filters):
    try:
        url = '%s/v3/%s/%s' % (client.root, collection, seg(value))
        return client.session.get(url).json()[member]
    except ks_exceptions.NotFound:
        pass
    found = client.session.get(
        '%s/v3/%s' % (client.root, collection),
        params=dict(filters, name=value)).json()[collection]
    if len(found) == 1:
        return found[0]
    if found:
        raise exceptions.CommandError(
            'More than one %s exists with the name %s.' % (member, value))
    raise exceptions.CommandError(
        "No %s with a name or ID of '%s' exists." % (member, value))


def domain_id(client, value):
    return _v3_find(client, 'domains', 'domain', value)['id']


def project_id(client, value):
    return _v3_find(client, 'projects', 'project', value)['id']


def user_id(client, value, domain=None):
    filters = {'domain_id': domain_id(client, domain)} if domain else {}
    return _v3_find(client, 'users', 'user', value, **filters)['id']


def current_user_id(client):
    return client.session.get_user_id()


class Resource:
    """A v4 collection: where it is, its wrapper keys, its columns and
    fields. base(parsed_args) gives the collection path when it
    depends on an option (OAuth2 clients live under their domain)."""

    def __init__(self, title, path, member, plural, columns, list_columns,
                 fields, update_method='PUT', id_key='id', by_name=True,
                 filters=(), base_fields=(), hidden=()):
        self.title = title
        self.path = path
        self.member = member
        self.plural = plural
        self.columns = columns
        self.list_columns = list_columns
        self.fields = fields
        self.update_method = update_method
        self.id_key = id_key
        self.by_name = by_name
        self.filters = filters
        self.base_fields = base_fields
        self.hidden = hidden

    def base(self, client, parsed_args):
        values = {f.key: seg(f.value(client, parsed_args))
                  for f in self.base_fields}
        return self.path % values if values else self.path

    def add_base(self, parser):
        for field in self.base_fields:
            field.add_to(parser, create=True)

    def find(self, client, parsed_args, value):
        base = self.base(client, parsed_args)
        try:
            return client.get('%s/%s' % (base, seg(value)))[self.member]
        except ks_exceptions.NotFound:
            if not self.by_name:
                raise exceptions.CommandError(
                    "No %s with an ID of '%s' exists." % (self.title, value))
        found = [item for item in client.get(
            base, params={'name': value})[self.plural]
            if item.get('name') == value]
        if len(found) == 1:
            return found[0]
        if found:
            raise exceptions.CommandError(
                'More than one %s exists with the name %s.'
                % (self.title, value))
        raise exceptions.CommandError(
            "No %s with a name or ID of '%s' exists." % (self.title, value))

    def item_path(self, client, parsed_args, value):
        item = self.find(client, parsed_args, value)
        return '%s/%s' % (self.base(client, parsed_args),
                          seg(item[self.id_key]))

    def shown(self, item):
        return show({k: v for k, v in item.items()
                     if k not in self.hidden}, self.columns)


class _ResourceCommand:
    """A command on :attr:`resource` (set by each concrete command)."""

    resource: Resource

    def add_item(self, parser, verb, nargs=None):
        title = self.resource.title
        parser.add_argument(
            'items' if nargs else 'item', nargs=nargs,
            metavar='<%s>' % title.replace(' ', '-'),
            help='%s to %s (name or ID)' % (title.capitalize(), verb))


class CreateCommand(_ResourceCommand, command.ShowOne):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.resource.add_base(parser)
        for field in self.resource.fields:
            field.add_to(parser, create=True)
        return parser

    def take_action(self, parsed_args):
        client = client_of(self.app)
        body = body_of(self.resource.fields, client, parsed_args, True)
        return self.created(client.post(
            self.resource.base(client, parsed_args),
            {self.resource.member: body}).json())

    def created(self, answer):
        """What the command shows of keystone's answer."""
        return self.resource.shown(answer[self.resource.member])


class ListCommand(_ResourceCommand, command.Lister):
    #: Filters that take a name or an ID, resolved to the ID.
    RESOLVE = {'domain_id': domain_id, 'project_id': project_id}

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.resource.add_base(parser)
        for flag, param, help_text in self.resource.filters:
            parser.add_argument(flag, dest=param, metavar='<%s>' % flag[2:],
                                help=help_text)
        parser.add_argument('--long', action='store_true', default=False,
                            help='List additional fields in output')
        return parser

    def take_action(self, parsed_args):
        client = client_of(self.app)
        params = {}
        for _, param, _ in self.resource.filters:
            value = getattr(parsed_args, param)
            if value is not None:
                resolve = self.RESOLVE.get(param)
                params[param] = resolve(client, value) if resolve else value
        items = client.get_all(self.resource.base(client, parsed_args),
                               self.resource.plural, params=params)
        columns = (self.resource.columns if parsed_args.long
                   else self.resource.list_columns)
        return columns, [formatted(item, columns) for item in items]


class ShowCommand(_ResourceCommand, command.ShowOne):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.resource.add_base(parser)
        self.add_item(parser, 'show')
        return parser

    def take_action(self, parsed_args):
        client = client_of(self.app)
        return self.resource.shown(self.resource.find(
            client, parsed_args, parsed_args.item))


class SetCommand(_ResourceCommand, command.ShowOne):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.resource.add_base(parser)
        self.add_item(parser, 'change')
        for field in self.resource.fields:
            if field.update:
                field.add_to(parser, create=False)
        return parser

    def take_action(self, parsed_args):
        client = client_of(self.app)
        path = self.resource.item_path(client, parsed_args, parsed_args.item)
        body = body_of(self.resource.fields, client, parsed_args, False)
        if not body:
            raise exceptions.CommandError('Nothing to change: give at '
                                          'least one option.')
        item = client.request(self.resource.update_method, path, json={
            self.resource.member: body}).json()[self.resource.member]
        return self.resource.shown(item)


class DeleteCommand(_ResourceCommand, command.Command):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.resource.add_base(parser)
        self.add_item(parser, 'delete', nargs='+')
        return parser

    def take_action(self, parsed_args):
        client = client_of(self.app)
        title = self.resource.title
        failed = 0
        for value in parsed_args.items:
            try:
                client.delete(self.resource.item_path(client, parsed_args,
                                                      value))
            except (exceptions.CommandError,
                    ks_exceptions.HttpError) as exc:
                failed += 1
                self.log.error('Failed to delete %s %s: %s',
                               title, value, exc)
        if failed:
            raise exceptions.CommandError('%d of %d %ss failed to delete.'
                                          % (failed, len(parsed_args.items),
                                             title))


def token_shown(resp):
    """A token a command issued: its ID (X-Subject-Token) and scope."""
    token = resp.json()['token']
    item = {'id': resp.headers.get('X-Subject-Token'),
            'expires': token.get('expires_at'),
            'user_id': (token.get('user') or {}).get('id'),
            'project_id': (token.get('project') or {}).get('id'),
            'roles': sorted(r['name'] for r in token.get('roles', [])),
            'methods': token.get('methods', [])}
    return show(item, ('id', 'expires', 'user_id', 'project_id', 'roles',
                       'methods'))
