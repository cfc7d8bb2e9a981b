"""CloudFormation intrinsic functions, resolved as far as a template allows: parameters with
defaults, pseudo-parameters, Mappings and Conditions; anything else becomes a Deferred value
that says why it could not be known."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tmgen.errors import Location
from tmgen.load import Document, PathT

# Short-form YAML tags -> the key of their long form.
SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "Join",
            "If",
            "Select",
            "Split",
            "FindInMap",
            "ImportValue",
            "Equals",
            "Not",
            "And",
            "Or",
            "Cidr",
            "GetAZs",
            "Base64",
            "Transform",
            "Length",
            "ToJsonString",
            "ForEach",
            "Contains",
            "EachMemberEquals",
            "EachMemberIn",
            "RefAll",
            "ValueOf",
            "ValueOfAll",
        )
    },
}

NO_VALUE = object()


@dataclass(frozen=True)
class Deferred:
    """A value known only at deploy time, or that this template cannot give."""

    text: str
    resource: str | None = None  # the logical id when the value is exactly one resource's Ref/GetAtt
    attribute: str | None = None
    parameter: str | None = None  # a name for placeholders: the parameter or export
    reason: str = ""  # why it is unresolved; empty for ordinary deploy-time values
    refs: tuple[str, ...] = ()  # every resource the value mentions

    def __str__(self) -> str:
        return self.text


PSEUDO_TEXT = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"}
LIST_PARAMETER = re.compile(r"^(List<.*>|CommaDelimitedList|AWS::SSM::Parameter::Value<List<.*>>)$")
AZ_LETTERS = "abcdef"
MIRRORED_ATTRIBUTES = {
    ("AWS::EC2::VPC", "CidrBlock"): "CidrBlock",
    ("AWS::SQS::Queue", "QueueName"): "QueueName",
    ("AWS::SNS::Topic", "TopicName"): "TopicName",
}


def tag_handler(problems: list[tuple[Location, str]]):  # type: ignore[no-untyped-def]
    """A load.py tag handler that turns short-form tags into their long form."""

    def handle(tag: str, value: Any, loc: Location) -> Any:
        key = SHORT_TAGS.get(tag)
        if key is None:
            problems.append((loc, f"unknown YAML tag {tag}; its value is left unresolved"))
            return {"Fn::UnknownTag": [tag, value]}
        if key == "Fn::GetAtt" and isinstance(value, str):
            name, _, attr = value.partition(".")
            return {key: [name, attr]}
        return {key: value}

    return handle


@dataclass
class Resolver:
    """Resolves intrinsic functions of one template."""

    template: dict[str, Any]
    doc: Document
    overrides: dict[str, Any] = field(default_factory=dict)
    word: str = "parameter"  # what the source calls a parameter (Terraform: variable)
    external: frozenset[str] = frozenset()  # logical ids defined outside the template (Serverless functions)
    assumed: list[tuple[PathT, str]] = field(default_factory=list)
    problems: list[tuple[Location, str]] = field(default_factory=list)
    _conditions: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)
    _assumed_conditions: set[str] = field(default_factory=set)
    _defaults: set[str] = field(default_factory=set)  # parameter defaults being resolved
    # (nested stack logical id, output name) -> the output's value, or None when unknown
    stack_output: Callable[[str, str], Any] | None = None

    def __post_init__(self) -> None:
        self.parameters = self._section("Parameters")
        self.mappings = self._section("Mappings")
        self.resources = self._section("Resources")
        self.condition_defs = self._section("Conditions")

    def _section(self, name: str) -> dict[str, Any]:
        value = self.template.get(name)
        return value if isinstance(value, dict) else {}

    def assume(self, path: PathT, text: str) -> None:
        self.assumed.append((tuple(path), text))

    def problem(self, path: PathT, text: str) -> None:
        self.problems.append((self.doc.locate(path), text))

    # -- the walk ------------------------------------------------------------------------
    def resolve(self, value: Any, path: PathT) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or (key.startswith("Fn::") if isinstance(key, str) else False):
                    return self._intrinsic(key, arg, path + (key,))
                if key == "Condition" and isinstance(arg, str):
                    return self.condition(arg, path + (key,))
            out: dict[str, Any] = {}
            for k, v in value.items():
                r = self.resolve(v, path + (k,))
                if r is not NO_VALUE:
                    out[k] = r
            return out
        if isinstance(value, list):
            items = [self.resolve(v, path + (i,)) for i, v in enumerate(value)]
            return [v for v in items if v is not NO_VALUE]
        return value

    def _intrinsic(self, key: str, arg: Any, path: PathT) -> Any:
        handler = {
            "Ref": self._ref,
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ImportValue": self._import,
            "Fn::Equals": self._equals,
            "Fn::Not": self._not,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Cidr": self._cidr,
            "Fn::GetAZs": self._azs,
            "Fn::Base64": lambda a, p: self.resolve(a, p),
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json,
        }.get(key)
        if handler is None:
            if key == "Fn::Transform":
                return Deferred("!Transform", reason="a macro (Fn::Transform) that tmgen does not run")
            if key == "Fn::UnknownTag":
                return Deferred(
                    f"{arg[0] if isinstance(arg, list) and arg else 'unknown tag'}", reason="an unknown YAML tag"
                )
            self.problem(path, f"unknown intrinsic function {key}; its value is left unresolved")
            return Deferred(f"!{key}", reason=f"the unknown function {key}")
        try:
            return handler(arg, path)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            self.problem(path, f"cannot evaluate {key}: {exc.__class__.__name__} on malformed arguments")
            return Deferred(f"!{key.removeprefix('Fn::')}", reason=f"{key} with malformed arguments")

    # -- references ------------------------------------------------------------------------
    def _ref(self, name: Any, path: PathT) -> Any:
        name = self.resolve(name, path)
        if not isinstance(name, str):
            self.problem(path, "Ref takes a name")
            return Deferred("!Ref", reason="a malformed Ref")
        return self.reference(name, path)

    def reference(self, name: str, path: PathT) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Partition":
            return "aws"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name in PSEUDO_TEXT:
            return Deferred("${" + name + "}")
        if name in self.overrides:
            return self.overrides[name]
        if name in self.parameters:
            spec = self.parameters[name] if isinstance(self.parameters[name], dict) else {}
            ptype = str(spec.get("Type", "String"))
            if "Default" in spec:
                if name in self._defaults:
                    self.problem(
                        ("Parameters", name, "Default"),
                        f"the default of {self.word} {name} refers back to itself; left unresolved",
                    )
                    return Deferred("${" + name + "}", parameter=name, reason=f"the circular default of {name}")
                self._defaults.add(name)
                try:
                    default = self.resolve(spec["Default"], ("Parameters", name, "Default"))
                finally:
                    self._defaults.discard(name)
                self.assume(path, f"the default of {self.word} {name}")
                if LIST_PARAMETER.match(ptype) and isinstance(default, str):
                    return [part.strip() for part in default.split(",") if part.strip()]
                return default
            why = f"{self.word} {name} has no default"
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                why = f"parameter {name} is read from SSM at deploy time"
            return Deferred("${" + name + "}", parameter=name, reason=why)
        if name in self.resources or name in self.external:
            return Deferred("${" + name + "}", resource=name, refs=(name,))
        self.problem(path, f"reference to '{name}', which is neither a parameter nor a resource")
        return Deferred("${" + name + "}", parameter=name, reason=f"a dangling reference to {name}")

    def _getatt(self, arg: Any, path: PathT) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) < 2 or not isinstance(arg[0], str):
            self.problem(path, "GetAtt takes [resource, attribute]")
            return Deferred("!GetAtt", reason="a malformed GetAtt")
        name, attr = arg[0], ".".join(str(a) for a in arg[1:])
        if name in self.external:
            return Deferred("${" + f"{name}.{attr}" + "}", resource=name, attribute=attr, refs=(name,))
        if name not in self.resources:
            self.problem(path, f"GetAtt of '{name}', which is not a resource of this template")
            return Deferred("${" + f"{name}.{attr}" + "}", parameter=name, reason=f"a dangling reference to {name}")
        resource = self.resources[name] if isinstance(self.resources[name], dict) else {}
        rtype = resource.get("Type")
        if (
            rtype in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
            and attr.startswith("Outputs.")
            and self.stack_output is not None
        ):
            output = self.stack_output(name, attr.removeprefix("Outputs."))
            if output is not None:
                return output
        # A Type that is not a string (the importer warns and skips that resource) mirrors nothing
        mirrored = MIRRORED_ATTRIBUTES.get((rtype, attr)) if isinstance(rtype, str) else None
        props = resource.get("Properties")
        if mirrored and isinstance(props, dict) and mirrored in props:
            # Some attributes are the value of a property the template sets.
            value = self.resolve(props[mirrored], ("Resources", name, "Properties", mirrored))
            if isinstance(value, str):
                return value
        return Deferred("${" + f"{name}.{attr}" + "}", resource=name, attribute=attr, refs=(name,))

    def _import(self, arg: Any, path: PathT) -> Any:
        name = self.resolve(arg, path)
        text = str(name)
        return Deferred(f"!ImportValue {text}", parameter=text, reason=f"imported from another stack's export {text}")

    # -- strings ---------------------------------------------------------------------------
    def _sub(self, arg: Any, path: PathT) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if not arg or not isinstance(arg[0], str):
                self.problem(path, "Sub takes a string or [string, {variables}]")
                return Deferred("!Sub", reason="a malformed Sub")
            if len(arg) > 1 and isinstance(arg[1], dict):
                variables = {k: self.resolve(v, path + (1, k)) for k, v in arg[1].items()}
            text = arg[0]
        elif isinstance(arg, str):
            text = arg
        else:
            self.problem(path, "Sub takes a string or [string, {variables}]")
            return Deferred("!Sub", reason="a malformed Sub")
        parts: list[Any] = []
        pos = 0
        for m in re.finditer(r"\$\{([^}]*)\}", text):
            parts.append(text[pos : m.start()])
            pos = m.end()
            inner = m.group(1).strip()
            if inner.startswith("!"):
                parts.append("${" + inner[1:] + "}")
            elif inner in variables:
                parts.append(variables[inner])
            elif "." in inner and not inner.startswith("AWS::"):
                name, _, attr = inner.partition(".")
                parts.append(self._getatt([name, attr], path))
            else:
                parts.append(self.reference(inner, path))
        parts.append(text[pos:])
        return self.concat(parts)

    def concat(self, parts: list[Any], sep: str = "") -> Any:
        parts = [p for p in parts if p is not NO_VALUE]
        if all(isinstance(p, str | int | float) and not isinstance(p, bool) for p in parts):
            return sep.join(str(p) for p in parts)
        texts: list[str] = []
        reasons: list[str] = []
        refs: list[str] = []
        for p in parts:
            if isinstance(p, Deferred):
                texts.append(p.text)
                if p.reason and p.reason not in reasons:
                    reasons.append(p.reason)
                refs += [r for r in p.refs if r not in refs]
            elif isinstance(p, list):
                texts.append(",".join(str(x) for x in p))
            else:
                texts.append(str(p))
        return Deferred(sep.join(texts), reason="; ".join(reasons), refs=tuple(refs))

    def _join(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str):
            self.problem(path, "Join takes [delimiter, [values]]")
            return Deferred("!Join", reason="a malformed Join")
        if isinstance(arg[1], Deferred):
            return Deferred(arg[1].text, reason=arg[1].reason, refs=arg[1].refs)
        if not isinstance(arg[1], list):
            self.problem(path, "Join takes [delimiter, [values]]")
            return Deferred("!Join", reason="a malformed Join")
        return self.concat(arg[1], arg[0])

    def _split(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) != 2:
            self.problem(path, "Split takes [delimiter, string]")
            return Deferred("!Split", reason="a malformed Split")
        sep, value = arg
        if isinstance(value, str) and isinstance(sep, str) and sep:
            return value.split(sep)
        if isinstance(value, Deferred):
            return Deferred(
                value.text,
                reason=value.reason or "a split of a deploy-time value",
                refs=value.refs,
                parameter=value.parameter,
            )
        return Deferred("!Split", reason="a Split of a value that is not a string")

    def _select(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) != 2:
            self.problem(path, "Select takes [index, [values]]")
            return Deferred("!Select", reason="a malformed Select")
        index, items = arg
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if isinstance(items, list) and isinstance(index, int):
            if 0 <= index < len(items):
                return items[index]
            self.problem(path, f"Select index {index} is out of range (the list has {len(items)} items)")
            return Deferred("!Select", reason=f"index {index} out of range")
        if isinstance(items, Deferred):
            return Deferred(
                f"item {index} of {items.text}", reason=items.reason, refs=items.refs, parameter=items.parameter
            )
        return Deferred("!Select", reason="a Select over a value that is not a list")

    def _find_in_map(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) < 3:
            self.problem(path, "FindInMap takes [map, top-level key, second-level key]")
            return Deferred("!FindInMap", reason="a malformed FindInMap")
        name, top, second = arg[0], arg[1], arg[2]
        default = arg[3].get("DefaultValue") if len(arg) > 3 and isinstance(arg[3], dict) else None
        table = self.mappings.get(name) if isinstance(name, str) else None
        if not isinstance(table, dict):
            self.problem(path, f"FindInMap of '{name}', which is not in Mappings")
            return Deferred(f"!FindInMap {name}", reason=f"the missing mapping {name}")
        if isinstance(top, str) and isinstance(second, str):
            found = table.get(top, {})
            if isinstance(found, dict) and second in found:
                return found[second]
            if default is not None:
                return default
            self.problem(path, f"FindInMap: '{top}/{second}' is not in mapping {name}")
            return Deferred(f"!FindInMap {name}", reason=f"a key missing from mapping {name}")
        # The key is known only at deploy time (often AWS::Region): one value if every row agrees.
        if isinstance(second, str):
            values = [row.get(second) for row in table.values() if isinstance(row, dict) and second in row]
            if values:
                if all(v == values[0] for v in values):
                    return values[0]
                self.assume(path, f"mapping {name} differs by {top}; took the first row's value")
                return values[0]
        return Deferred(f"!FindInMap {name}", reason=f"a lookup in mapping {name} by a deploy-time key")

    # -- conditions ------------------------------------------------------------------------
    def condition(self, name: str, path: PathT) -> Any:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_defs:
            self.problem(path, f"condition '{name}' is not defined")
            return Deferred(f"condition {name}", reason=f"the undefined condition {name}")
        if name in self._evaluating:
            self.problem(path, f"condition '{name}' refers to itself")
            return Deferred(f"condition {name}", reason=f"the circular condition {name}")
        self._evaluating.add(name)
        before = len(self.assumed)
        value = self.resolve(self.condition_defs[name], ("Conditions", name))
        self._evaluating.discard(name)
        if len(self.assumed) > before:
            self._assumed_conditions.add(name)
        if not isinstance(value, bool):
            value = Deferred(f"condition {name}", reason=f"condition {name} depends on deploy-time values")
        self._conditions[name] = value
        return value

    def _if(self, arg: Any, path: PathT) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            self.problem(path, "If takes [condition, value if true, value if false]")
            return Deferred("!If", reason="a malformed If")
        test = self.condition(arg[0], path)
        if test is False:
            if arg[0] in self._assumed_conditions:
                self.assume(path, f"condition {arg[0]} evaluated with parameter defaults")
            return self.resolve(arg[2], path + (2,))
        if not isinstance(test, bool):
            self.assume(path, f"condition {arg[0]} could not be evaluated; assumed true")
        elif arg[0] in self._assumed_conditions:
            self.assume(path, f"condition {arg[0]} evaluated with parameter defaults")
        return self.resolve(arg[1], path + (1,))

    def _equals(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) != 2:
            self.problem(path, "Equals takes two values")
            return Deferred("!Equals", reason="a malformed Equals")
        a, b = arg
        if isinstance(a, Deferred) or isinstance(b, Deferred):
            return Deferred("!Equals", reason="a comparison with a deploy-time value")
        return str(a) == str(b) if not (isinstance(a, list) or isinstance(b, list)) else a == b

    def _logic(self, arg: Any, path: PathT) -> list[Any]:
        if not isinstance(arg, list):
            raise TypeError("expected a list")
        return [self.resolve(a, path + (i,)) for i, a in enumerate(arg)]

    def _not(self, arg: Any, path: PathT) -> Any:
        (value,) = self._logic(arg, path)
        return (not value) if isinstance(value, bool) else Deferred("!Not", reason="a deploy-time condition")

    def _and(self, arg: Any, path: PathT) -> Any:
        values = self._logic(arg, path)
        if any(v is False for v in values):
            return False
        if all(v is True for v in values):
            return True
        return Deferred("!And", reason="a deploy-time condition")

    def _or(self, arg: Any, path: PathT) -> Any:
        values = self._logic(arg, path)
        if any(v is True for v in values):
            return True
        if all(v is False for v in values):
            return False
        return Deferred("!Or", reason="a deploy-time condition")

    # -- networks and the rest ---------------------------------------------------------------
    def _cidr(self, arg: Any, path: PathT) -> Any:
        arg = self.resolve(arg, path)
        if not isinstance(arg, list) or len(arg) != 3:
            self.problem(path, "Cidr takes [block, count, bits]")
            return Deferred("!Cidr", reason="a malformed Cidr")
        block, count, bits = arg
        if isinstance(block, Deferred):
            return Deferred(
                f"!Cidr {block.text}", reason=block.reason or "a CIDR known at deploy time", parameter=block.parameter
            )
        net = ipaddress.ip_network(str(block), strict=False)
        count, bits = int(count), int(bits)
        prefix = net.max_prefixlen - bits
        if prefix < net.prefixlen or count < 1 or count > 256:
            raise ValueError("the block is too small")
        subnets = net.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(count)]

    def _azs(self, arg: Any, path: PathT) -> Any:
        self.assume(path, "the availability zones of the region, assumed to be zones a, b, c... in order")
        return [Deferred("${AWS::Region}" + letter) for letter in AZ_LETTERS]

    def _length(self, arg: Any, path: PathT) -> Any:
        value = self.resolve(arg, path)
        if isinstance(value, list):
            return len(value)
        return Deferred("!Length", reason="the length of a deploy-time list")

    def _to_json(self, arg: Any, path: PathT) -> Any:
        value = self.resolve(arg, path)
        try:
            return json.dumps(value, sort_keys=True)
        except TypeError:
            return Deferred("!ToJsonString", reason="JSON of a deploy-time value")


# -- Fn::ForEach (the AWS::LanguageExtensions transform) ---------------------------------------

FOREACH = "Fn::ForEach::"
MAX_FOREACH_ITEMS = 1000  # generated keys per template, so a runaway loop cannot exhaust memory


def has_foreach(value: Any) -> bool:
    if isinstance(value, dict):
        return any((isinstance(k, str) and k.startswith(FOREACH)) or has_foreach(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_foreach(v) for v in value)
    return False


class ForEachExpander:
    """Expands `Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` in place,
    as CloudFormation's AWS::LanguageExtensions transform does: `${Identifier}` and
    `&{Identifier}` (non-alphanumeric characters removed) are replaced in keys and strings, and
    `{Ref: Identifier}` by the item. Loops may nest. Generated keys get the location of the
    key they come from, so warnings on generated resources still point into the template."""

    def __init__(self, resolver: Resolver, warn: Callable[[Location, str], None]) -> None:
        self.resolver = resolver
        self.doc = resolver.doc
        self.warn = warn
        self.generated = 0

    def section(self, name: str) -> None:
        value = self.resolver.template.get(name)
        if not isinstance(value, dict) or not has_foreach(value):
            return
        expanded = self._value(value, (name,), (name,), {})
        value.clear()  # in place: the resolver holds the same dicts
        value.update(expanded)

    def _copy(self, src: PathT, dst: PathT) -> None:
        if src == dst:
            return
        for table in (self.doc.keys, self.doc.values):
            if src in table and dst not in table:
                table[dst] = table[src]

    def _text(self, text: str, env: dict[str, str]) -> str:
        for ident, item in env.items():
            text = text.replace("${" + ident + "}", item)
            text = text.replace("&{" + ident + "}", re.sub(r"[^A-Za-z0-9]", "", item))
        return text

    def _value(self, value: Any, src: PathT, dst: PathT, env: dict[str, str]) -> Any:
        self._copy(src, dst)
        if isinstance(value, dict):
            ref = value.get("Ref") if len(value) == 1 else None
            if isinstance(ref, str) and ref in env:
                return env[ref]
            out: dict[Any, Any] = {}
            for k, v in value.items():
                self._put(out, k, v, src + (k,), dst, env)
            return out
        if isinstance(value, list):
            return [self._value(v, src + (i,), dst + (i,), env) for i, v in enumerate(value)]
        if isinstance(value, str) and env:
            return self._text(value, env)
        return value

    def _put(self, out: dict[Any, Any], key: Any, value: Any, src: PathT, dst: PathT, env: dict[str, str]) -> None:
        if not (isinstance(key, str) and key.startswith(FOREACH)):
            new = self._text(key, env) if isinstance(key, str) else key
            if new in out:
                self.warn(self.doc.locate(src), f"{new} is generated twice; the later one is kept")
            out[new] = self._value(value, src, dst + (new,), env)
            return
        loc = self.doc.locate(src)
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not isinstance(value[0], str)
            or not isinstance(value[2], dict)
        ):
            self.warn(loc, f"{key} takes [identifier, collection, {{output key: value}}]; skipped")
            return
        ident, collection, body = value
        resolved = self.resolver.resolve(self._value(collection, src + (1,), src + (1,), env), src + (1,))
        if isinstance(resolved, str):  # a CommaDelimitedList given as one string
            resolved = [part.strip() for part in resolved.split(",") if part.strip()]
        items: list[str] | None = None
        if isinstance(resolved, list) and all(isinstance(i, str | int | float) for i in resolved):
            items = [str(i) for i in resolved]
        if items is None:
            why = (resolved.reason or resolved.text) if isinstance(resolved, Deferred) else "not a list of strings"
            self.warn(
                loc,
                f"{key} (AWS::LanguageExtensions) is not expanded: its collection cannot be resolved ({why}); "
                "the entries it generates are not imported",
            )
            return
        for item in items:
            if self.generated >= MAX_FOREACH_ITEMS:
                self.warn(loc, f"{key}: more than {MAX_FOREACH_ITEMS} generated entries; the rest are not imported")
                return
            self.generated += 1
            inner = {**env, ident: item}
            for okey, ovalue in body.items():
                self._put(out, okey, ovalue, src + (2, okey), dst, inner)
