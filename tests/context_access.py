"""A context's access contract lives beside its own tests: `tests/access_<context>.py`.

Such a module declares `ACCESS` (its JSON API routes, as in tests/test_access_matrix.py),
`PAGE_ACCESS` (its pages, as in tests/test_pages_access.py) and, when its routes concern
objects of its own, `concerned(client, cast) -> {scope: id}`: the object the route's
`{id:uuid}` names for each API scope ("/api/v1/needs") or page section ("needs"), one that
the cast's "member" organisation is concerned by. The two access tests merge them all, so
a new context's routes are checked without editing the tables of the others.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

Table = dict[tuple[str, str], set[str]]


def modules() -> list[ModuleType]:
    here = str(Path(__file__).parent)
    return [importlib.import_module(f"tests.{m.name}") for m in pkgutil.iter_modules([here])
            if m.name.startswith("access_")]


def _merged(name: str) -> Table:
    table: Table = {}
    for module in modules():
        for route, callers in getattr(module, name, {}).items():
            if route in table:
                raise AssertionError(f"{route} declared twice ({module.__name__})")
            table[route] = callers
    return table


def access() -> Table:
    return _merged("ACCESS")


def page_access() -> Table:
    return _merged("PAGE_ACCESS")


def concerned(client: Any, cast: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for module in modules():
        if hasattr(module, "concerned"):
            found.update(module.concerned(client, cast))
    return found
