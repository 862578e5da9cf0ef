"""Lazy exports of the sources and sinks that need an optional client library (private).

``streamlearn.streams.sources`` and ``streamlearn.streams.sinks`` export
``KafkaSource``/``KafkaSink`` (confluent-kafka) and ``MQTTSource``/``MQTTSink``
(paho-mqtt) through a module-level ``__getattr__`` built by
:func:`lazy_exports`: importing the packages imports neither the modules nor
the clients; the first access to a name imports its module, checks that the
client library is there and raises :class:`ImportError` naming the extra to
install (``pip install 'streamlearn[kafka]'``) when it is not. Pipeline files
reach the same classes by their ``type:`` (``kafka``, ``mqtt``), through the
registries the modules fill when imported.

>>> getattr_, dir_, present = lazy_exports(
...     "pkg", {"Thing": ("streamlearn.streams.sources.kafka", "import_kafka", "no_such_client_lib")}, {}
... )
>>> present
[]
>>> try:
...     getattr_("Other")
... except AttributeError as e:
...     print(e)
module 'pkg' has no attribute 'Other'
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from streamlearn.base.errors import InvalidParameterError

#: name -> (module that defines it, the module's client check, the client's top-level package)
LazyTable = Mapping[str, tuple[str, str, str]]


def installed(package: str) -> bool:
    """Whether a top-level package can be imported (found on the path; not imported)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def lazy_exports(
    package: str, table: LazyTable, namespace: MutableMapping[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, names whose client is installed)`` for a package's ``__init__``.

    ``__getattr__(name)`` imports the name's module, runs its client check (a
    function that raises :class:`~streamlearn.base.errors.InvalidParameterError`
    saying what to install) and caches the class in ``namespace``; a missing
    client becomes an :class:`ImportError` with that message.
    """
    present = sorted(name for name, (_, _, client) in table.items() if installed(client))

    def __getattr__(name: str) -> Any:
        entry = table.get(name)
        if entry is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, check, client = entry
        module = importlib.import_module(module_name)
        try:
            getattr(module, check)()
        except InvalidParameterError as e:
            raise ImportError(f"{package}.{name}: {e}", name=client) from None
        value = getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *present})

    return __getattr__, __dir__, present
