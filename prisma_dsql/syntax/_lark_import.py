"""Import Lark without its optional accelerators.

Lark imports the third-party `regex` and `interegular` modules whenever they
are installed, which adds ~60 ms to every start of the CLI. Our grammar needs
neither (plain `re` handles it), so they are hidden while Lark loads and made
visible again afterwards for anyone else in the process.
"""

import sys

_HIDDEN = ("regex", "interegular")
_saved = {name: sys.modules.get(name) for name in _HIDDEN}
if "lark" not in sys.modules:
    for _name in _HIDDEN:
        if _saved[_name] is None:
            sys.modules[_name] = None  # type: ignore[assignment]  # makes `import` raise ImportError
try:
    from lark import Lark  # noqa: E402
finally:
    for _name in _HIDDEN:
        if _saved[_name] is None and sys.modules.get(_name, 0) is None:
            del sys.modules[_name]

__all__ = ["Lark"]
