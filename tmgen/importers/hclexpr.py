"""A small evaluator of Terraform expressions: literals, variables with defaults, locals,
conditionals, comparisons, logic, arithmetic and a few pure functions. Anything that needs
state, a provider or a resource attribute raises Unknown: the caller keeps it unresolved."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d+)?)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<name>[A-Za-z_][\w-]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\[\*\]|[-+*/%<>!?:()\[\]{},.=])
    )""",
    re.VERBOSE,
)
MAX_DEPTH = 32


class Unknown(Exception):
    """The expression's value is not known from the configuration alone."""


def tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unknown(f"cannot read {text[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def interpolations(text: str) -> list[tuple[int, int, str]]:
    """The ${...} of a string with their spans, braces and quoted strings inside them matched."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return out
        depth, j, quote = 0, start + 1, False
        while j < len(text):
            ch = text[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == '"':
                    quote = False
            elif ch == '"':
                quote = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            return out  # unterminated: left as text
        out.append((start, j + 1, text[start + 2 : j]))
        i = j + 1


def split_arguments(text: str) -> list[str]:
    """'a, f(b, c), "d, e"' -> ['a', 'f(b, c)', '"d, e"'] at top-level commas."""
    out, depth, quote, current = [], 0, False, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                current += ch + text[i + 1 : i + 2]
                i += 2
                continue
            quote = ch != '"'
        elif ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
            i += 1
            continue
        current += ch
        i += 1
    if current.strip():
        out.append(current.strip())
    return out


class Evaluator:
    """Evaluates expressions against variable defaults and locals."""

    def __init__(
        self,
        variables: dict[str, Any],
        local_values: dict[str, Any],
        functions: dict[str, Callable[[list[Any]], Any]] | None = None,
        names: dict[str, Any] | None = None,
    ) -> None:
        self.variables = variables
        self.locals = local_values
        self.functions = functions or {}
        self.names = {"path": {"module": ".", "root": ".", "cwd": "."}, **(names or {})}
        self.depth = 0

    def bound(self, names: dict[str, Any]) -> Evaluator:
        """The same evaluator with more names (a dynamic block's iterator, a template's variables)."""
        return Evaluator(self.variables, self.locals, self.functions, {**self.names, **names})

    # -- values as python-hcl2 gives them ------------------------------------------------------
    def value(self, v: Any) -> Any:
        """A value read by python-hcl2: strings may hold ${...} interpolations."""
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str) and "${" in v:
            return self.template(v)
        return v

    def template(self, text: str) -> Any:
        spans = interpolations(text)
        if len(spans) == 1 and spans[0][0] == 0 and spans[0][1] == len(text):
            return self.evaluate(spans[0][2])
        out, pos = "", 0
        for start, end, inner in spans:
            part = self.evaluate(inner)
            if isinstance(part, dict | list) or part is None:
                raise Unknown("a collection inside a string")
            out += text[pos:start] + _text(part)
            pos = end
        return out + text[pos:]

    def evaluate(self, expr: str) -> Any:
        if self.depth > MAX_DEPTH:
            raise Unknown("too deep")
        self.depth += 1
        try:
            parser = _Parser(tokenize(expr), self)
            value = parser.expression()
            if parser.pos != len(parser.tokens):
                raise Unknown("trailing text")
            return value
        finally:
            self.depth -= 1


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise Unknown("not a bool")


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise Unknown("not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                raise Unknown("not a number") from None
    raise Unknown("not a number")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, str) or isinstance(b, int | float) and isinstance(a, str):
        return _text(a) == _text(b)
    return bool(a == b)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], ev: Evaluator) -> None:
        self.tokens = tokens
        self.pos = 0
        self.ev = ev

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end" or (op is not None and tok[1] != op):
            raise Unknown(f"expected {op}")
        self.pos += 1
        return tok

    def accept(self, *ops: str) -> str | None:
        tok = self.peek()
        if tok[0] == "op" and tok[1] in ops:
            self.pos += 1
            return tok[1]
        return None

    def expression(self) -> Any:
        test = self.binary(0)
        if self.accept("?"):
            yes = self.expression()
            self.take(":")
            no = self.expression()
            return yes if _truth(test) else no
        return test

    LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Any:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            op = self.accept(*self.LEVELS[level])
            if op is None:
                return left
            right = self.binary(level + 1)
            left = self.apply(op, left, right)

    def apply(self, op: str, a: Any, b: Any) -> Any:
        if op == "||":
            return _truth(a) or _truth(b)
        if op == "&&":
            return _truth(a) and _truth(b)
        if op == "==":
            return _equal(a, b)
        if op == "!=":
            return not _equal(a, b)
        x, y = _number(a), _number(b)
        if op == "<":
            return x < y
        if op == ">":
            return x > y
        if op == "<=":
            return x <= y
        if op == ">=":
            return x >= y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            raise Unknown("division by zero")
        return x / y if op == "/" else x % y

    def unary(self) -> Any:
        if self.accept("!"):
            return not _truth(self.unary())
        if self.accept("-"):
            return -_number(self.unary())
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while True:
            if self.accept("."):
                kind, name = self.take()
                if isinstance(value, dict) and name in value:
                    value = value[name]
                elif isinstance(value, list) and kind == "number" and int(name) < len(value):
                    value = value[int(name)]
                else:
                    raise Unknown(f"no attribute {name}")
            elif self.accept("["):
                index = self.expression()
                self.take("]")
                if isinstance(value, dict) and str(index) in value:
                    value = value[str(index)]
                elif isinstance(value, list) and not isinstance(index, bool):
                    i = int(_number(index))
                    if not 0 <= i < len(value):
                        raise Unknown("index out of range")
                    value = value[i]
                else:
                    raise Unknown("no such element")
            else:
                return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "string":
            inner = text[1:-1]
            if "${" in inner:
                return self.ev.template(_unescape(inner))
            return _unescape(inner)
        if kind == "op":
            if text == "(":
                value = self.expression()
                self.take(")")
                return value
            if text == "[":
                return self.sequence("]")
            if text == "{":
                return self.object()
            raise Unknown(f"unexpected {text}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek()[1] == "(":
            self.take("(")
            args = [] if self.accept(")") else self.sequence(")")
            return self.call(text, args)
        if text in self.ev.names:
            return self.ev.names[text]
        if text == "var":
            self.take(".")
            name = self.take()[1]
            if self.ev.variables.get(name) is None:
                raise Unknown(f"variable {name} has no default")
            return self.ev.value(self.ev.variables[name])
        if text == "local":
            self.take(".")
            name = self.take()[1]
            if name not in self.ev.locals:
                raise Unknown(f"local {name} is not defined")
            self.ev.depth += 1
            try:
                if self.ev.depth > MAX_DEPTH:
                    raise Unknown("locals refer to each other")
                return self.ev.value(self.ev.locals[name])
            finally:
                self.ev.depth -= 1
        raise Unknown(f"{text} is known only when Terraform runs")

    def sequence(self, close: str) -> list[Any]:
        items: list[Any] = []
        while not self.accept(close):
            if self.peek()[1] == "for":
                raise Unknown("a for expression")
            items.append(self.expression())
            if not self.accept(","):
                self.take(close)
                break
        return items

    def object(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while not self.accept("}"):
            if self.peek()[1] == "for":
                raise Unknown("a for expression")
            kind, key = self.take()
            if kind == "string":
                key = _unescape(key[1:-1])
            elif kind == "op" and key == "(":
                key = _text(self.expression())
                self.take(")")
            if not self.accept("=", ":"):
                raise Unknown("expected = in an object")
            out[str(key)] = self.expression()
            self.accept(",")
        return out

    def call(self, name: str, args: list[Any]) -> Any:
        if name in self.ev.functions:
            return self.ev.functions[name](args)
        if name == "length" and len(args) == 1 and isinstance(args[0], list | dict | str):
            return len(args[0])
        if name == "merge" and all(isinstance(a, dict) or a is None for a in args):
            out: dict[str, Any] = {}
            for a in args:
                out.update(a or {})
            return out
        if name == "concat" and all(isinstance(a, list) for a in args):
            return [x for a in args for x in a]
        if name in ("tolist", "toset", "tomap", "tostring", "tonumber", "tobool") and len(args) == 1:
            return args[0]
        if name == "lookup" and len(args) in (2, 3) and isinstance(args[0], dict):
            if str(args[1]) in args[0]:
                return args[0][str(args[1])]
            if len(args) == 3:
                return args[2]
        if name == "contains" and len(args) == 2 and isinstance(args[0], list):
            return any(_equal(x, args[1]) for x in args[0])
        if name == "coalesce" and args:
            return next((a for a in args if a not in (None, "")), None)
        if name == "try" and args:
            return args[0]
        if name == "element" and len(args) == 2 and isinstance(args[0], list) and args[0]:
            return args[0][int(_number(args[1])) % len(args[0])]
        if name == "keys" and len(args) == 1 and isinstance(args[0], dict):
            return sorted(args[0])
        if name == "values" and len(args) == 1 and isinstance(args[0], dict):
            return [args[0][k] for k in sorted(args[0])]
        if name == "compact" and len(args) == 1 and isinstance(args[0], list):
            return [x for x in args[0] if x not in (None, "")]
        if (
            name == "format"
            and args
            and isinstance(args[0], str)
            and "%" not in args[0].replace("%s", "").replace("%d", "")
        ):
            rest = iter(args[1:])
            return re.sub(r"%[sd]", lambda _m: _text(next(rest, "")), args[0])
        if name == "cidrsubnet" and len(args) == 3 and isinstance(args[0], str):
            return _cidrsubnet(args[0], int(_number(args[1])), int(_number(args[2])))
        if name in ("lower", "upper") and len(args) == 1 and isinstance(args[0], str):
            return args[0].lower() if name == "lower" else args[0].upper()
        raise Unknown(f"the function {name}()")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _cidrsubnet(prefix: str, newbits: int, netnum: int) -> str:
    """Terraform's cidrsubnet(): the netnum-th block of prefix extended by newbits bits."""
    import ipaddress

    try:
        network = ipaddress.ip_network(prefix, strict=False)
        new_prefix = network.prefixlen + newbits
        if newbits < 0 or new_prefix > network.max_prefixlen or not 0 <= netnum < 2**newbits:
            raise Unknown("cidrsubnet() out of range")
        size = 2 ** (network.max_prefixlen - new_prefix)
        start = int(network.network_address) + netnum * size
        return str(ipaddress.ip_network((start, new_prefix)))
    except ValueError:
        raise Unknown("cidrsubnet() of an invalid prefix") from None
