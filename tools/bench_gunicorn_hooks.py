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
"""gunicorn config for tools/bench: counts the SQL statements of every
request (SQLAlchemy's before_cursor_execute, on every engine of the worker)
and appends "TIME METHOD PATH STATUS STATEMENTS SUMMARY" to
$NG_BENCH_QUERY_LOG.<pid>; SUMMARY is each statement as VERB:table,
joined by "+" ("-" for none).

A sync worker serves one request at a time, so the count is the request's.
With $NG_BENCH_PROFILE set, also profiles every request (cProfile) and
writes one pstats file per route ($NG_BENCH_PROFILE.<route>.<pid>) when
the worker exits. Measurement only: the product has no such hook.
"""

import cProfile
import os
import re
import time

_state = {'count': 0, 'statements': [], 'log': None, 'profiles': {},
          'profile': None}
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)', re.I)


def post_fork(server, worker):
    from sqlalchemy import engine
    from sqlalchemy import event

    def count(conn, cursor, statement, *args, **kwargs):
        _state['count'] += 1
        verb = statement.split(None, 1)[0].upper() if statement else '?'
        table = _TABLE.search(statement or '')
        _state['statements'].append(
            '%s:%s' % (verb, table.group(1) if table else ''))

    event.listen(engine.Engine, 'before_cursor_execute', count)
    path = os.environ.get('NG_BENCH_QUERY_LOG')
    if path:
        _state['log'] = open('%s.%d' % (path, os.getpid()), 'a',
                             buffering=1)


def pre_request(worker, req):
    _state['count'] = 0
    _state['statements'] = []
    if os.environ.get('NG_BENCH_PROFILE'):
        route = re.sub(r'/[0-9a-f]{32}(?=/|$)', '/_', req.path)
        key = '%s%s' % (req.method, route.replace('/', '_'))
        profile = _state['profiles'].setdefault(key, cProfile.Profile())
        _state['profile'] = profile
        profile.enable()


def post_request(worker, req, environ, resp):
    if _state['profile']:
        _state['profile'].disable()
        _state['profile'] = None
    if _state['log']:
        _state['log'].write('%.3f %s %s %s %d %s\n' % (
            time.time(), req.method, req.path, str(resp.status).split()[0],
            _state['count'], '+'.join(_state['statements']) or '-'))


def worker_exit(server, worker):
    prefix = os.environ.get('NG_BENCH_PROFILE')
    for key, profile in _state['profiles'].items():
        profile.dump_stats('%s.%s.%d' % (prefix, key, os.getpid()))
