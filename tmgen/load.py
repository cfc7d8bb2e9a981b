"""Reads YAML (or JSON) text into plain data plus the source location of every key and item.

The parser is libyaml's event stream (when available) folded into data with an explicit
stack, so hostile input (deep nesting, alias bombs, huge files) is rejected cleanly
instead of exhausting the C stack or memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tmgen.errors import Location, ModelError, ModelInvalid

try:  # libyaml is much faster; the pure-Python parser gives the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 500_000

PathT = tuple[str | int, ...]

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "timestamp", "binary", "map", "seq", "omap", "set")
}


def format_path(path: PathT) -> str:
    """('functions', 'charge', 'permissions', 1) -> 'functions.charge.permissions[1]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_path(text: str) -> PathT:
    """The inverse of format_path."""
    parts: list[str | int] = []
    for index, name in _PATH_TOKEN.findall(text):
        parts.append(int(index) if index else name)
    return tuple(parts)


@dataclass
class Document:
    """Plain data read from one file, with a location for every key and item in it."""

    file: str
    data: Any
    values: dict[PathT, Location] = field(default_factory=dict)
    keys: dict[PathT, Location] = field(default_factory=dict)

    def locate(self, path: PathT | str) -> Location:
        """The location of the element at `path`: its key, else its value, else the
        nearest ancestor that has one."""
        if isinstance(path, str):
            path = parse_path(path)
        p = tuple(path)
        while p:
            loc = self.keys.get(p) or self.values.get(p)
            if loc is not None:
                return loc
            p = p[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def value_location(self, path: PathT) -> Location:
        return self.values.get(tuple(path)) or self.locate(path)


TagHandler = Callable[[str, Any, Location], Any]


def _fail(file: str, line: int, column: int, message: str, hint: str = "") -> ModelInvalid:
    return ModelInvalid([ModelError(Location(file, line, column), message, hint)])


def read_text(path: str | Path, display: str | None = None) -> tuple[str, str]:
    """Reads a file as UTF-8 text; raises ModelInvalid for unreadable, binary, huge or
    non-UTF-8 input. Returns (display name, text)."""
    name = display or str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise _fail(name, 1, 1, f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})")
        raw = p.read_bytes()
    except ModelInvalid:
        raise
    except IsADirectoryError:
        raise _fail(name, 1, 1, "is a directory, not a file") from None
    except FileNotFoundError:
        raise _fail(name, 1, 1, "no such file") from None
    except OSError as exc:
        raise _fail(name, 1, 1, f"cannot read file: {exc.strerror or exc}") from None
    return name, decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(name, 1, 1, f"input is too large ({len(raw):,} bytes; the limit is {MAX_BYTES:,})")
    if b"\x00" in raw[:8192] or b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise _fail(name, line, col, "this is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(name, line, col, "the file is not valid UTF-8", "save it as UTF-8") from None
    return text


def load_file(path: str | Path, display: str | None = None, tag_handler: TagHandler | None = None) -> Document:
    name, text = read_text(path, display)
    return load_text(text, name, tag_handler)


def load_text(text: str, file: str = "<string>", tag_handler: TagHandler | None = None) -> Document:
    """Parses one YAML document. Raises ModelInvalid with located errors."""
    if len(text) > MAX_BYTES:
        raise _fail(file, 1, 1, f"input is too large ({len(text):,} characters; the limit is {MAX_BYTES:,})")
    builder = _Builder(file, tag_handler)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except ModelInvalid:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" {exc.context}" if exc.context and exc.problem else ""
        hint = ""
        if "alias" in f"{problem}{context}":
            hint = 'a value starting with * is a YAML alias: quote it, e.g. principal: "*"'
        elif "mapping values are not allowed" in problem:
            hint = "check the indentation of this line and the one before, or quote a value that contains ': '"
        raise _fail(file, line, col, f"YAML syntax error: {problem}{context}", hint) from None
    except yaml.YAMLError as exc:
        raise _fail(file, 1, 1, f"YAML error: {exc}") from None
    if builder.documents > 1:
        raise _fail(file, *builder.second_doc, "the file holds more than one YAML document")
    if builder.result is None or builder.empty:
        raise _fail(file, 1, 1, "the file is empty: expected a mapping with 'version' and 'workload'")
    return Document(file, builder.result, builder.values, builder.keys)


class _Frame:
    __slots__ = ("kind", "container", "path", "key", "key_loc", "tag", "anchor", "loc", "size", "merges", "explicit")

    def __init__(self, kind: str, path: PathT, tag: str | None, anchor: str | None, loc: Location) -> None:
        self.kind = kind
        self.container: Any = {} if kind == "map" else []
        self.path = path
        self.key: Any = None  # pending key of a mapping
        self.key_loc: Location | None = None
        self.tag = tag
        self.anchor = anchor
        self.loc = loc
        self.size = 1
        self.merges: list[Any] = []
        self.explicit: set[str] = set()


_NO_KEY = object()


class _Builder:
    def __init__(self, file: str, tag_handler: TagHandler | None) -> None:
        self.file = file
        self.tag_handler = tag_handler
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.values: dict[PathT, Location] = {}
        self.keys: dict[PathT, Location] = {}
        self.result: Any = None
        self.empty = True
        self.documents = 0
        self.second_doc = (1, 1)
        self.expanded = 0
        self.resolver = yaml.resolver.Resolver()
        self.implicit = self.resolver.yaml_implicit_resolvers
        self.constructor = yaml.constructor.SafeConstructor()
        self._handlers: dict[type, Callable[[Any, Location], None]] = {
            yaml.ScalarEvent: self._scalar,
            yaml.AliasEvent: self._alias,
            yaml.MappingStartEvent: self._start,
            yaml.SequenceStartEvent: self._start,
            yaml.MappingEndEvent: self._end,
            yaml.SequenceEndEvent: self._end,
        }

    def _loc(self, event: Any) -> Location:
        m = event.start_mark
        return Location(self.file, m.line + 1, m.column + 1)

    # -- where the next value goes -------------------------------------------------
    def _next_path(self) -> tuple[PathT, bool]:
        """The path of the next node and whether it is a mapping key."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if top.kind == "seq":
            return top.path + (len(top.container),), False
        if top.key is _NO_KEY:
            return top.path, True
        return top.path + (top.key,), False

    def _place(self, value: Any, loc: Location, size: int) -> None:
        if not self.stack:
            self.result = value
            self.values[()] = loc
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            top.container.append(value)
            return
        if top.key is _NO_KEY:
            raise _fail(self.file, loc.line, loc.column, "a mapping key must be a plain value, not a mapping or list")
        key = top.key
        if key is _MERGE:
            top.merges.append((value, loc))
        else:
            top.container[key] = value
        top.key = _NO_KEY

    def _check_size(self, loc: Location) -> None:
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise _fail(
                self.file,
                loc.line,
                loc.column,
                f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes; refusing to expand further",
                "this looks like an alias bomb",
            )

    def feed(self, event: Any) -> None:
        handler = self._handlers.get(event.__class__)
        if handler is None:
            if isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                mark = event.start_mark
                if self.documents == 2 and mark is not None:
                    self.second_doc = (mark.line + 1, mark.column + 1)
            return
        if self.documents > 1:
            return
        self.empty = False
        m = event.start_mark
        handler(event, Location(self.file, m.line + 1, m.column + 1))

    def _record(self, path: PathT, loc: Location) -> None:
        self.values.setdefault(path, loc)

    def _scalar(self, event: Any, loc: Location) -> None:
        path, is_key = self._next_path()
        if is_key:
            top = self.stack[-1]
            tag = event.tag
            if event.implicit[0] and event.value == "<<":
                top.key = _MERGE
                return
            if tag not in (None, "!", _STR_TAG) and not (tag or "").startswith("tag:yaml.org"):
                raise _fail(self.file, loc.line, loc.column, f"unsupported tag {tag} on a mapping key")
            key = event.value
            if key in top.explicit:
                raise (
                    _fail(
                        self.file,
                        loc.line,
                        loc.column,
                        f"duplicate key '{key}'",
                        f"first given at line {self.keys[top.path + (key,)].line}",
                    )
                    if (top.path + (key,)) in self.keys
                    else _fail(self.file, loc.line, loc.column, f"duplicate key '{key}'")
                )
            top.explicit.add(key)
            top.key = key
            top.key_loc = loc
            self.keys[top.path + (key,)] = loc
            return
        value = self._construct(event, loc)
        self._record(path, loc)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._place(value, loc, 1)

    def _construct(self, event: Any, loc: Location) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            if event.implicit[0] and event.value[:1] not in self.implicit:
                return event.value  # no implicit type starts with this character: a string
            if event.implicit[0]:
                tag = self.resolver.resolve(yaml.ScalarNode, event.value, (True, False))
            else:
                tag = _STR_TAG
        if tag == _STR_TAG:
            return event.value
        if tag in _STD_TAGS:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                return self.constructor.yaml_constructors[tag](self.constructor, node)
            except Exception:
                if tag == "tag:yaml.org,2002:timestamp" and event.tag in (None, "!"):
                    return event.value  # looks like a date but is none: the schema says where and why
                raise _fail(
                    self.file, loc.line, loc.column, f"cannot read {event.value!r} as {tag.rsplit(':', 1)[-1]}"
                ) from None
        return self._custom(tag, event.value, loc)

    def _custom(self, tag: str, value: Any, loc: Location) -> Any:
        if self.tag_handler is not None:
            return self.tag_handler(tag, value, loc)
        raise _fail(self.file, loc.line, loc.column, f"unsupported YAML tag {tag}", "tmgen reads plain YAML only")

    def _alias(self, event: Any, loc: Location) -> None:
        path, is_key = self._next_path()
        if is_key:
            raise _fail(self.file, loc.line, loc.column, "an alias cannot be used as a mapping key")
        if event.anchor not in self.anchors:
            raise _fail(self.file, loc.line, loc.column, f"unknown alias *{event.anchor}")
        value, size = self.anchors[event.anchor]
        self.expanded += size
        self._check_size(loc)
        self._record(path, loc)
        self._place(value, loc, size)

    def _start(self, event: Any, loc: Location) -> None:
        path, is_key = self._next_path()
        if is_key:
            raise _fail(self.file, loc.line, loc.column, "a mapping key must be a plain value, not a mapping or list")
        if len(self.stack) >= MAX_DEPTH:
            raise _fail(self.file, loc.line, loc.column, f"nesting is deeper than {MAX_DEPTH} levels")
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
        tag = event.tag
        if tag in (None, "!") or tag in _STD_TAGS:
            tag = None
        frame = _Frame(kind, path, tag, event.anchor, loc)
        if kind == "map":
            frame.key = _NO_KEY
        self._record(path, loc)
        self.stack.append(frame)

    def _end(self, event: Any = None, loc: Location | None = None) -> None:
        frame = self.stack.pop()
        value = frame.container
        if frame.merges:
            merged: dict[Any, Any] = {}
            for source, mloc in frame.merges:
                sources = source if isinstance(source, list) else [source]
                for s in sources:
                    if not isinstance(s, dict):
                        raise _fail(self.file, mloc.line, mloc.column, "'<<' merges only mappings")
                    for k, v in s.items():
                        merged.setdefault(k, v)
                        self.keys.setdefault(frame.path + (k,), mloc)
            merged.update(value)
            value = merged
        if frame.tag is not None:
            value = self._custom(frame.tag, value, frame.loc)
        if frame.anchor:
            self.anchors[frame.anchor] = (value, frame.size)
        self._place(value, frame.loc, frame.size)


_MERGE = object()
