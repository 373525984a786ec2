"""The layout's parts that depend on the language alone: rendered once per process, then reused.

`{% language_part "footer" %}…{% endlanguage_part %}` renders its content the first time, then
returns that text for every later request in the same language. The content may use translations,
`{% url %}` and `{% static %}` — fixed for a process's lifetime — and nothing about the reader or
the page: no request, user, CSRF token, cart or data (those stay outside, rendered each time).
`{% language_part "grade-help" page.grade %}`: one text per value of the variables named after the
name (a grade; a seller's rating and count; the facts of a device), the only other thing the
content may depend on. A process keeps at most PARTS_KEPT texts (then starts over), so variables
with many values (ratings) stay bounded.
Rendering base.html's ~60 translation, URL and static tags on every request was most of the
layout's time (benchmarks/results/throughput.md).

Skipped under DEBUG (templates edited while runserver runs) and dropped when a test changes a
setting (another static storage, other languages).
"""
from django import template
from django.conf import settings
from django.test.signals import setting_changed
from django.urls import get_script_prefix
from django.utils.translation import get_language

register = template.Library()

# (template, part, language, script prefix, the values of its variables) -> the rendered text
_rendered: dict[tuple, str] = {}
PARTS_KEPT = 20_000  # a few KB each at most


class LanguagePartNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str,
                 variables: list[template.base.FilterExpression]):
        self.nodelist, self.name, self.variables = nodelist, name, variables

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        origin = self.origin.name if self.origin else ""
        values = tuple(str(variable.resolve(context)) for variable in self.variables)
        key = (origin, self.name, get_language(), get_script_prefix(), values)
        text = _rendered.get(key)
        if text is None:
            if len(_rendered) >= PARTS_KEPT:
                _rendered.clear()
            text = _rendered[key] = self.nodelist.render(context)
        return text


@register.tag("language_part")
def language_part(parser, token) -> LanguagePartNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("{% language_part \"name\" [variable …] %} takes a quoted name")
    nodelist = parser.parse(("endlanguage_part",))
    parser.delete_first_token()
    return LanguagePartNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])


def clear(**kwargs) -> None:
    _rendered.clear()


setting_changed.connect(clear, dispatch_uid="layout-language-parts")
