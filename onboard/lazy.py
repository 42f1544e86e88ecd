"""Names a module exports but loads from their own modules on first use (PEP 562).

`onboard --help` and a one-file reindex should not pay for what they never call (the anthropic SDK,
chroma, scipy). Written here rather than taken from `lazy-loader`: that package resolves names within
one package and caches them on it, while `onboard.api` gathers names from several sibling packages
(caching its `retrieve` function on `onboard` would shadow the `onboard.retrieve` package).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(module: str, homes: dict[str, list[str]]) -> tuple[Callable[[str], Any], Callable[[], list[str]],
                                                                   list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``module``, exporting each name of ``homes[home]``
    from the module ``home``; a name, once loaded, is kept in ``module``'s globals."""
    home = {name: source for source, names in homes.items() for name in names}
    exported = sorted(home)
    namespace = sys.modules[module].__dict__

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = namespace[name] = getattr(import_module(home[name]), name)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return exported

    return __getattr__, __dir__, exported
