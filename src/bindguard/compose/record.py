"""The base of the compose loader's mutable builders, instead of ``@dataclass``.

Why not dataclasses: importing the module imports ``inspect`` (with ``ast``,
``dis`` and ``tokenize``), about 7 ms, and each dataclass compiles its
methods when it is defined; together more than a fifth of what a one-file
``bindguard lint`` may spend above ``import yaml`` (issue 8).  The builders
(``ServiceDef``, ``FileModel``, ``ComposeFile``, ...) are filled in step by
step while a project loads, so they are not NamedTuples like the values in
``model.py``; each writes its ``__init__`` out, and this class gives them
what they used of a dataclass: equality and a repr over their fields, and
``replace``.
"""

from typing import Any, Self


class Record:
    """Equality and a repr over the instance's attributes, and ``replace``, as a dataclass has them.

    Like a dataclass with ``eq=True``, a Record compares by value with its
    own class only and is not hashable.  ``_hidden`` names attributes left
    out of the repr (a dataclass's ``field(repr=False)``).
    """

    _hidden: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items() if name not in self._hidden)
        return f"{type(self).__qualname__}({fields})"

    def replace(self, **changes: Any) -> Self:
        """A shallow copy with ``changes`` (what ``dataclasses.replace`` makes)."""
        unknown = set(changes) - set(self.__dict__)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy
