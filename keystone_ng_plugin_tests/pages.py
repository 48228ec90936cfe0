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
"""What a browser loads with a page: its script and style sheet URLs."""

import html.parser


class _Assets(html.parser.HTMLParser):

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'script' and attrs.get('src'):
            self.urls.append(attrs['src'])
        if tag == 'link' and attrs.get('rel') == 'stylesheet':
            self.urls.append(attrs['href'])


def asset_urls(page: str) -> list[str]:
    """The script and style sheet references of an HTML page, as written
    (relative ones resolve against the page's URL)."""
    parser = _Assets()
    parser.feed(page)
    return parser.urls


class Forms(html.parser.HTMLParser):
    """The forms of a page: ``forms`` is {form id: (action, {field:
    value})}, hidden and prefilled fields included."""

    def __init__(self, text: str):
        super().__init__()
        self.forms, self._current = {}, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form':
            self._current = attrs.get('id')
            self.forms[self._current] = (attrs['action'], {})
        elif tag == 'input' and self._current and attrs.get('name'):
            self.forms[self._current][1][attrs['name']] = attrs.get(
                'value') or ''

    def handle_endtag(self, tag):
        if tag == 'form':
            self._current = None
