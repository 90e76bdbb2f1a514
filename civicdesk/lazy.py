"""A package's names loaded from their modules when first used (PEP 562 module ``__getattr__``).

    _WHERE = {"civicdesk.store.engine": ("connect", ...), ...}
    __getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE, globals())

`from package import name` works as before; only the module holding the name is imported, once.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_names(package: str, where: Mapping[str, tuple[str, ...]],
               namespace: dict) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """The package's ``__getattr__``, ``__dir__`` and ``__all__`` for the names of `where` (module → names).

    A name once loaded is kept in `namespace` (the package's globals), so later look-ups skip ``__getattr__``.
    """
    module_of = {name: module for module, names in where.items() for name in names}
    names = sorted(module_of)

    def __getattr__(name: str):
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__, names
