"""The workload model an importer is building: named entries, notes, source locations and
warnings, and the final pass that makes every reference resolve so the model validates."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from tmgen.errors import Location, ModelError, ModelInvalid
from tmgen.importers.aws import ref_prefix
from tmgen.load import Document, format_path, parse_path
from tmgen.schema import Workload

COLLECTIONS = ("accounts", "vpcs", "roles", "layers", "resources", "functions")
PLACEHOLDER_VPC_CIDR = "10.0.0.0/16"


@dataclass
class ImportResult:
    """A workload model made from infrastructure code, with what the importer had to assume."""

    data: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)
    warnings: list[ModelError] = field(default_factory=list)
    source_format: str = ""
    locations: dict[str, Location] = field(default_factory=dict)
    source: str = ""


def safe_name(text: Any) -> str:
    """A model name: no '.', '[' or ']' (they separate model paths), no spaces."""
    name = re.sub(r"[^A-Za-z0-9_:-]+", "-", str(text)).strip("-")
    return name or "unnamed"


def dig(value: Any, keys: tuple[str, ...]) -> Any:
    """`value[k1][k2]...` in source data, or None where a level is missing or not a mapping."""
    for k in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(k)
    return value


def unknown_policies(role: str) -> str:
    """The stand-in managed policy of a role whose policies live outside the source: its
    actions count as unknown, so no rule concludes what the role cannot do."""
    return f"unknown-policies-of-{role}"


class Draft:
    """Collects the entries of one imported model."""

    def __init__(self, source: str, fmt: str, workload: str) -> None:
        self.source = source
        self.fmt = fmt
        self.data: dict[str, Any] = {
            "version": 1,
            "workload": {"name": workload},
        }
        self.notes: dict[str, str] = {}
        self.locations: dict[str, Location] = {}
        self.warnings: list[ModelError] = []
        self._warned: set[tuple[Any, ...]] = set()
        self.default_location = Location(source, 1, 1)
        # Keys of source objects (logical ids, addresses, ARNs) -> (collection, name)
        self.index: dict[str, tuple[str, str]] = {}
        # Subnets and security groups of templates (nested stacks share them): key -> (vpc, name)
        self.subnets: dict[str, tuple[str, str]] = {}
        self.groups: dict[str, tuple[str, str]] = {}
        # physical name -> (collection, entry), shared by nested stacks: names are account-wide
        self.physical: dict[str, tuple[str, str]] = {}

    # -- recording ----------------------------------------------------------------------
    def warn(self, loc: Location | None, message: str, hint: str = "", path: str = "") -> None:
        key = (loc, message)
        if key in self._warned:
            return
        self._warned.add(key)
        self.warnings.append(ModelError(loc or self.default_location, message, hint, path, "warning"))

    def note(self, path: str, text: str) -> None:
        text = " ".join(str(text).split())
        if path in self.notes and text not in self.notes[path]:
            self.notes[path] = f"{self.notes[path]}; {text}"
        else:
            self.notes[path] = text

    def carry_notes(
        self, assumed: list[tuple[Any, str]], prefix: tuple[Any, ...], path: str, value: Any = None
    ) -> None:
        """Moves what a resolver assumed under `prefix` of the source onto model `path`, and
        says so when the value itself stayed unresolved (it has a `reason`)."""
        for source_path, text in assumed:
            if tuple(source_path[: len(prefix)]) == tuple(prefix):
                self.note(path, text)
        reason = getattr(value, "reason", None)
        if reason:
            self.note(path, f"unresolved: {reason}")

    def locate(self, path: str, loc: Location | None) -> None:
        if loc is not None:
            self.locations.setdefault(path, loc)

    # -- entries ------------------------------------------------------------------------
    def collection(self, name: str) -> dict[str, Any]:
        return self.data.setdefault(name, {})

    def add(
        self, collection: str, wanted: str, entry: dict[str, Any], loc: Location | None, key: str | None = None
    ) -> str:
        """Adds an entry under a unique name; `key` indexes it for later references."""
        coll = self.collection(collection)
        base = safe_name(wanted)
        name = base
        n = 2
        while name in coll:
            name = f"{base}-{n}"
            n += 1
        coll[name] = entry
        self.locate(f"{collection}.{name}", loc)
        if key is not None:
            self.index[key] = (collection, name)
        return name

    def lookup(self, key: str, collection: str | None = None) -> str | None:
        hit = self.index.get(key)
        if hit is None or (collection is not None and hit[0] != collection):
            return None
        return hit[1]

    def ensure_resource(self, rtype: str, name: str, loc: Location | None, note: str = "") -> str:
        """The name of a `resources` entry for something the code refers to but does not declare."""
        key = f"resource:{rtype}:{name}"
        found = self.lookup(key)
        if found is not None:
            return found
        existing = self.collection("resources").get(safe_name(name))
        if existing is not None and existing.get("type") == rtype:
            self.index[key] = ("resources", safe_name(name))
            return safe_name(name)
        entry_name = self.add("resources", name, {"type": rtype}, loc, key)
        self.note(f"resources.{entry_name}", note or "referred to but not declared in the source")
        return entry_name

    def resource_ref(self, collection: str, name: str) -> str:
        """The TYPE:NAME form IAM statements use for an entry of this model."""
        if collection == "functions":
            return f"function:{name}"
        if collection == "layers":
            return f"layer:{name}"
        rtype = self.data.get("resources", {}).get(name, {}).get("type", "other")
        return f"{ref_prefix(rtype)}:{name}"

    def append(self, path: tuple[str, ...], key: str, item: Any, loc: Location | None, unique: bool = True) -> int:
        """Appends to a list of an entry (e.g. a function's triggers); returns the index."""
        target: Any = self.data
        for part in path:
            target = target[part]
        items = target.setdefault(key, [])
        if unique and item in items:
            return items.index(item)
        items.append(item)
        self.locate(format_path(path + (key, len(items) - 1)), loc)
        return len(items) - 1

    # -- the final pass ------------------------------------------------------------------
    def placeholder_vpc(self, wanted: str, loc: Location | None, why: str) -> str:
        found = self.lookup(f"placeholder-vpc:{wanted}")
        if found:
            return found
        name = self.add(
            "vpcs",
            wanted,
            {"cidr": None, "subnets": {}, "security_groups": {}, "endpoints": {}},
            loc,
            f"placeholder-vpc:{wanted}",
        )
        self.note(f"vpcs.{name}", why)
        return name

    def finish(self) -> ImportResult:
        self._fill_networks()
        self._close_references()
        functions = self.data.get("functions") or {}
        if not functions:
            raise ModelInvalid(
                [
                    ModelError(
                        self.default_location,
                        f"{self.source} declares no Lambda function",
                        "a workload model needs at least one function",
                    )
                ]
            )
        data = self._ordered()
        data = self._validated(data)
        # A note or location for something that was dropped while repairing would mislead.
        return ImportResult(
            data=data,
            notes={p: t for p, t in sorted(self.notes.items()) if _exists(data, p)},
            warnings=sorted(self.warnings, key=lambda w: (w.location or self.default_location, w.message)),
            source_format=self.fmt,
            locations={p: loc for p, loc in sorted(self.locations.items()) if _exists(data, p)},
            source=self.source,
        )

    def _fill_networks(self) -> None:
        """Gives placeholder VPCs and subnets CIDRs that validate and do not overlap."""
        # Placeholder VPCs get blocks of their own, so tmgen's guesses never overlap each other
        # or a VPC the source declares.
        used = [
            ipaddress.ip_network(v["cidr"])
            for v in self.data.get("vpcs", {}).values()
            if isinstance(v, dict) and _network(v.get("cidr"))
        ]
        for vname, vpc in self.data.get("vpcs", {}).items():
            subnets = vpc.setdefault("subnets", {})
            known = [s["cidr"] for s in subnets.values() if _network(s.get("cidr"))]
            if not _network(vpc.get("cidr")):
                if known:
                    vpc["cidr"] = _supernet(known)
                else:
                    vpc["cidr"] = _free_vpc_block(used)
                used.append(ipaddress.ip_network(vpc["cidr"]))
                self.note(f"vpcs.{vname}.cidr", "placeholder: the source does not give this VPC's CIDR")
            net = ipaddress.ip_network(vpc["cidr"])
            taken = [ipaddress.ip_network(c) for c in known]
            for sname, subnet in subnets.items():
                if _network(subnet.get("cidr")):
                    continue
                subnet["cidr"] = _free_block(net, taken)
                taken.append(ipaddress.ip_network(subnet["cidr"]))
                self.note(
                    f"vpcs.{vname}.subnets.{sname}.cidr", "placeholder: the source does not give this subnet's CIDR"
                )
            for sname, subnet in subnets.items():
                if not subnet.get("az"):
                    subnet["az"] = "unknown"
                    self.note(
                        f"vpcs.{vname}.subnets.{sname}.az", "the source does not give this subnet's availability zone"
                    )
            for key in ("security_groups", "endpoints"):
                vpc.setdefault(key, {})

    def _close_references(self) -> None:
        """Every name a function refers to must exist; create what the source only refers to."""
        roles = self.collection("roles")
        deployers = [name for name, role in roles.items() if role.get("kind") == "deployment"]
        if deployers and isinstance(self.data.get("deployment"), dict):
            self.data["deployment"].setdefault("roles", deployers)
        layers = self.collection("layers")
        for fname, fn in self.data.get("functions", {}).items():
            role = fn.get("role")
            if role is not None and role not in roles:
                roles[role] = {"kind": "execution", "managed_policies": [unknown_policies(role)]}
                self.note(f"roles.{role}", "a role the source refers to but does not declare; its policies are unknown")
            for i, layer in enumerate(fn.get("layers", [])):
                if layer not in layers:
                    layers[layer] = {"publisher": "self"}
                    self.note(f"functions.{fname}.layers[{i}]", "a layer the source does not declare")
            for trigger in fn.get("triggers", []):
                source = trigger.get("source")
                if source is not None and source not in self.data.get("resources", {}):
                    self.ensure_resource("other", source, None)
            on = fn.get("async") or {}
            for key in ("on_failure", "on_success"):
                target = on.get(key)
                if target and target not in self.data.get("resources", {}) and target not in self.data["functions"]:
                    self.ensure_resource("other", target, None)

    def _ordered(self) -> dict[str, Any]:
        """Top-level keys in the order of workload.md; empty collections dropped."""
        order = ("version", "workload", "accounts", "vpcs", "roles", "layers", "resources", "functions", "deployment")
        out: dict[str, Any] = {}
        for key in order:
            value = self.data.get(key)
            if value in (None, {}, []) and key not in ("version", "workload", "functions"):
                continue
            out[key] = value
        for key, value in self.data.items():
            if key not in out and value not in (None, {}, []):
                out[key] = value
        return out

    def _validated(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drops what does not validate (with a warning) rather than failing the whole import."""
        for _ in range(50):
            try:
                Workload.model_validate(data)
                broken = self._reference_errors(data)
                if not broken:
                    return data
                for error in broken:
                    self.warn(
                        self.locations.get(error.path) or self._nearest_location(parse_path(error.path)),
                        f"dropped {error.path} from the imported model: {error.message}",
                        error.hint,
                    )
                # one at a time: dropping a list item moves the paths of the items after it
                _delete(data, _droppable(data, parse_path(broken[0].path)))
                continue
            except ValidationError as exc:
                detail = exc.errors()[0]
                path = tuple(p for p in detail["loc"] if isinstance(p, str | int))
                path = _droppable(data, path)
                if not path or path[0] in ("version", "workload") or path == ("functions",):
                    raise ModelInvalid(
                        [
                            ModelError(
                                self.default_location,
                                f"the imported model does not validate: {detail['msg']}",
                                f"at {format_path(path)}",
                            )
                        ]
                    ) from None
                where = format_path(path)
                self.warn(
                    self.locations.get(where) or self._nearest_location(path),
                    f"dropped {where} from the imported model: {detail['msg']}",
                )
                _delete(data, path)
        raise ModelInvalid([ModelError(self.default_location, "the imported model does not validate")])

    def _reference_errors(self, data: dict[str, Any]) -> list[ModelError]:
        """What the whole-model checks (references between entries, CIDRs) reject, with a path."""
        from tmgen.validate import validate

        try:
            validate(Document(self.source, data))
        except ModelInvalid as exc:
            return [e for e in exc.errors if e.path and _exists(data, e.path)]
        return []

    def _nearest_location(self, path: tuple[Any, ...]) -> Location | None:
        p = path
        while p:
            loc = self.locations.get(format_path(p))
            if loc:
                return loc
            p = p[:-1]
        return None


def _network(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_network(value, strict=True)
        return True
    except ValueError:
        return False


def _supernet(cidrs: list[str]) -> str:
    nets = [ipaddress.ip_network(c) for c in cidrs]
    net = nets[0]
    while not all(n.subnet_of(net) for n in nets if n.version == net.version) and net.prefixlen > 0:  # type: ignore[arg-type]
        net = net.supernet()
    return str(net)


def _free_vpc_block(used: list[Any]) -> str:
    """The first 10.N.0.0/16 that overlaps no VPC CIDR in use (10.0.0.0/16 when free)."""
    first = ipaddress.ip_network(PLACEHOLDER_VPC_CIDR)
    for candidate in [first] + list(ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=16)):
        if not any(candidate.overlaps(u) for u in used if u.version == candidate.version):
            return str(candidate)
    return PLACEHOLDER_VPC_CIDR


def _free_block(vpc: Any, taken: list[Any]) -> str:
    for prefix in (24, 26, 28):
        if prefix < vpc.prefixlen:
            continue
        for candidate in vpc.subnets(new_prefix=prefix):
            if not any(candidate.overlaps(t) for t in taken):
                return str(candidate)
            if candidate.network_address.packed[-2:] == b"\xff\xf0":
                break
    return str(next(vpc.subnets(new_prefix=min(vpc.max_prefixlen, vpc.prefixlen + 4))))


def _exists(data: Any, path: str) -> bool:
    target = data
    for part in parse_path(path):
        if isinstance(part, int):
            if not isinstance(target, list) or part >= len(target):
                return False
        elif not isinstance(target, dict) or part not in target:
            return False
        target = target[part]
    return True


def _droppable(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """The deepest prefix of `path` that exists in the data and is not a top-level section."""
    p = path
    while p and not _exists(data, format_path(p)):
        p = p[:-1]
    # A function or an entry with an invalid required value: drop the value's key when it is
    # optional, the entry when not (pydantic reports the entry's path then).
    return p


def _delete(data: Any, path: tuple[Any, ...]) -> None:
    target = data
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
