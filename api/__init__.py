"""Cartesio: the registry's API."""

from starlette.convertors import PathConvertor, register_url_convertor


class _AnyCharacter(PathConvertor):
    """`{name:path}` (file names, external ids) as any text: Starlette's `.*` stops at a newline, so a value with
    one fell through to another route (405 or 404) instead of reaching its operation, which judges it as data.
    Registered here, before any route is compiled."""

    regex = "(?s:.*)"


register_url_convertor("path", _AnyCharacter())
