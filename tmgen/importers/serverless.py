"""Imports a Serverless Framework service (serverless.yml, v1 to v4) into a workload model:
its variables resolved without running anything, its functions, events, IAM and the
CloudFormation fragments of `resources` (through the CloudFormation importer)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tmgen.errors import Location, ModelError, ModelInvalid
from tmgen.importers import aws
from tmgen.importers.cloudformation import TemplateImporter
from tmgen.importers.draft import Draft, ImportResult, dig, safe_name, unknown_policies
from tmgen.importers.intrinsics import Deferred, tag_handler
from tmgen.load import Document, PathT, load_file

VARIABLE = re.compile(r"\$\{([^${}]*)\}")  # the innermost ${...}
# What Fn::Sub itself substitutes: ${AWS::Region}, ${Logical.Attr}, ${Param}, ${!Literal}
CFN_PLACEHOLDER = re.compile(r"\$\{\s*!?[A-Za-z][\w]*(?:::\w+)*(?:\.[\w.]+)?\s*\}")
MAX_PASSES = 32
SHARED_ROLE = "IamRoleLambdaExecution"
CODE_RESOLVERS = (".js", ".ts", ".mjs", ".cjs")
CODE_SERVICE_FILES = tuple(f"serverless{suffix}" for suffix in CODE_RESOLVERS)
DEFAULT_MEMORY = 1024  # the Framework's defaults, not Lambda's
DEFAULT_TIMEOUT = 6


def logical_id(name: str, suffix: str = "LambdaFunction") -> str:
    """The CloudFormation logical id the Framework gives a function's (or a layer's) resources."""
    text = name[:1].upper() + name[1:]
    return text.replace("-", "Dash").replace("_", "Underscore") + suffix


class Variables:
    """Resolves ${...} variables of one service, never running code and never reading the
    real environment (so the same files always give the same model)."""

    def __init__(self, doc: Document, base: Path, draft: Draft) -> None:
        self.doc = doc
        self.root = doc.data
        self.base = base.resolve()
        self.draft = draft
        self.assumed: list[tuple[PathT, str]] = []
        self.files: dict[Path, Any] = {}
        self.docs: list[Document] = []
        self._doc_of: dict[Path, Document] = {}
        # where a ${file(...)} put a mapping or list of another file into the service: the
        # path in the service, the file and the key path read from it
        self._mounts: dict[tuple[PathT, Path, tuple[str, ...]], None] = {}
        self._grafted = 0
        self._depth = 0
        self._stack: set[str] = set()
        self._budget = 20_000  # expansions per service: variables that refer to each other stop here

    def stage(self) -> str:
        provider = self.root.get("provider") if isinstance(self.root.get("provider"), dict) else {}
        stage = provider.get("stage", "dev")
        return stage if isinstance(stage, str) and "${" not in stage else "dev"

    def region(self) -> str:
        provider = self.root.get("provider") if isinstance(self.root.get("provider"), dict) else {}
        region = provider.get("region", "us-east-1")
        return region if isinstance(region, str) and "${" not in region else "us-east-1"

    def resolve(self, value: Any, path: PathT) -> Any:
        if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
            # CloudFormation's own ${AWS::Region}, ${Logical.Attr} and ${Param} stay for the
            # CloudFormation resolver; only the Framework's variables are resolved here.
            arg = value["Fn::Sub"]
            at = path + ("Fn::Sub",)
            if isinstance(arg, str):
                text = self._sub_text(arg, at)
                return text if isinstance(text, Deferred) else {"Fn::Sub": text}
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                text = self._sub_text(arg[0], at + (0,))
                rest = [self.resolve(v, at + (i + 1,)) for i, v in enumerate(arg[1:])]
                return text if isinstance(text, Deferred) else {"Fn::Sub": [text, *rest]}
        if isinstance(value, dict):
            return {k: self.resolve(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, path + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            return self.text(value, path)
        return value

    def _sub_text(self, text: str, path: PathT) -> Any:
        """The string of an Fn::Sub: CloudFormation placeholders kept, Framework variables resolved."""
        kept: list[str] = []

        def keep(m: re.Match[str]) -> str:
            kept.append(m.group(0))
            return f"\x01{len(kept) - 1}\x01"

        hidden = CFN_PLACEHOLDER.sub(keep, text)
        if "${" not in hidden:
            return text
        value = self.text(hidden, path)
        restore = lambda t: re.sub(r"\x01(\d+)\x01", lambda m: kept[int(m.group(1))], t)  # noqa: E731
        if isinstance(value, Deferred):
            return Deferred(restore(value.text), reason=value.reason, parameter=value.parameter)
        return restore(value) if isinstance(value, str) else value

    def text(self, text: str, path: PathT) -> Any:
        held: list[Deferred] = []
        for _ in range(MAX_PASSES):
            m = VARIABLE.search(text)
            if m is None:
                break
            value = self.source(m.group(1), path)
            if m.span() == (0, len(text)) and not held:
                return value
            if isinstance(value, Deferred):
                held.append(value)
                value = f"\x00{len(held) - 1}\x00"
            elif isinstance(value, dict | list):
                value = str(aws.plain(value))
            text = text[: m.start()] + ("" if value is None else str(value)) + text[m.end() :]
        if not held:
            return text
        shown = re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))].text, text)
        if len(held) == 1 and text == "\x000\x00":
            return held[0]
        reasons = "; ".join(dict.fromkeys(r for d in held for r in d.reason.split("; ") if r))
        return Deferred(shown, reason=reasons, parameter=held[0].parameter)

    def source(self, expr: str, path: PathT) -> Any:
        """One variable: alternatives separated by commas, the first that resolves wins."""
        first: Deferred | None = None
        for alt in _alternatives(expr):
            value = self._one(alt, path)
            if isinstance(value, Deferred):
                first = first or value
                continue
            if value is not None:
                if first is not None:
                    self.assumed.append((path, f"{first.text} is unknown here; the fallback {value!r} assumed"))
                return value
        return first or Deferred("${" + expr + "}", reason=f"the variable {expr} resolves to nothing")

    def _one(self, alt: str, path: PathT) -> Any:
        alt = alt.strip()
        if not alt:
            return None
        if (alt[0] == alt[-1]) and alt[0] in "'\"" and len(alt) >= 2:
            return alt[1:-1]
        if re.fullmatch(r"-?\d+", alt):
            return int(alt)
        kind, _, rest = alt.partition(":")
        if kind == "self":
            return self._self(rest, path)
        if kind == "opt":
            if rest == "stage":
                self.assumed.append((path, f"--stage not given: the stage {self.stage()!r} assumed"))
                return self.stage()
            if rest == "region":
                self.assumed.append((path, f"--region not given: the region {self.region()!r} assumed"))
                return self.region()
            return Deferred("${" + alt + "}", parameter=rest, reason=f"the command-line option --{rest}")
        if kind == "sls":
            if rest == "stage":
                return self.stage()
            return Deferred("${" + alt + "}", reason=f"${{sls:{rest}}} is known only when deploying")
        if kind == "env":
            return Deferred("${" + alt + "}", parameter=rest, reason=f"the environment variable {rest} at deploy time")
        if alt.startswith("file("):
            return self._file(alt, path)
        if kind == "aws" and rest == "accountId":
            return Deferred("${AWS::AccountId}")  # the deploying account: the stack's own
        if kind == "aws" and rest == "region":
            self.assumed.append((path, f"the region {self.region()!r} of the provider assumed"))
            return self.region()
        if kind in ("ssm", "s3", "cf", "aws", "secretsmanager", "param", "vault", "terraform"):
            return Deferred(
                "${" + alt + "}",
                parameter=rest.rsplit("/", 1)[-1] or kind,
                reason=f"the {kind} variable source is read at deploy time",
            )
        if ":" not in alt and "(" not in alt:
            # ${foo} without a source: a Serverless variable that is not a built-in one
            return Deferred("${" + alt + "}", parameter=alt, reason=f"the variable {alt} is not defined")
        return Deferred("${" + alt + "}", reason=f"the variable source {kind} is not supported")

    def _self(self, dotted: str, path: PathT) -> Any:
        value: Any = self.root
        for part in [p for p in dotted.split(".") if p]:
            if isinstance(value, str) and "${" in value:
                value = self.text(value, path)  # e.g. a section read through ${file(...)}
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return Deferred("${self:" + dotted + "}", reason=f"self:{dotted} is not in the service file")
        self._budget -= 1
        if dotted in self._stack or self._depth > MAX_PASSES or self._budget < 0:
            return Deferred("${self:" + dotted + "}", reason=f"self:{dotted} refers to itself")
        self._depth += 1
        self._stack.add(dotted)
        try:
            return self.resolve(value, path)
        finally:
            self._depth -= 1
            self._stack.discard(dotted)

    def graft(self) -> None:
        """Locates what ${file(...)} variables brought into the service in the files they
        came from (a function of functions.yml points into functions.yml), where the service
        file itself has no location for it."""
        own_keys, own_values = set(self.doc.keys), set(self.doc.values)
        for at, target, key in sorted(self._mounts, key=lambda m: len(m[0])):
            doc = self._doc_of[target]
            for source, mine, table in ((doc.keys, own_keys, self.doc.keys), (doc.values, own_values, self.doc.values)):
                for known, loc in source.items():
                    if self._grafted > 200_000:  # a file used in very many places: the rest keeps the use site
                        return
                    if known[: len(key)] == key:
                        there = at + known[len(key) :]
                        if there not in mine:
                            table[there] = loc
                            self._grafted += 1
        self._mounts.clear()

    def _file(self, alt: str, path: PathT) -> Any:
        m = re.fullmatch(r"file\(([^)]*)\)(?::(.*))?", alt)
        if not m:
            return Deferred("${" + alt + "}", reason="a malformed file() variable")
        name, key = m.group(1).strip().strip("'\""), (m.group(2) or "").strip()
        if name.endswith(CODE_RESOLVERS):
            return Deferred(
                "${" + alt + "}",
                parameter=key or Path(name).stem,
                reason=f"{name} is code; tmgen never runs it",
            )
        target = (self.base / name).resolve()
        if not target.is_relative_to(self.base):
            self.draft.warn(self.doc.locate(path), f"{name} is outside the service directory; not read")
            return Deferred("${" + alt + "}", reason=f"{name} is outside the service directory")
        if target not in self.files:
            if not target.is_file():
                self.draft.warn(self.doc.locate(path), f"file {name} not found")
                self.files[target] = None
            else:
                try:
                    doc = load_file(target, str(Path(self.doc.file).parent / name), tag_handler([]))
                    self.files[target] = doc.data
                    self.docs.append(doc)
                    self._doc_of[target] = doc
                except ModelInvalid as exc:
                    for error in exc.errors:
                        self.draft.warn(error.location, error.message, error.hint)
                    self.files[target] = None
        data = self.files[target]
        if data is None:
            return Deferred("${" + alt + "}", reason=f"{name} cannot be read")
        for part in [p for p in key.split(".") if p]:
            if isinstance(data, dict) and part in data:
                data = data[part]
            else:
                return Deferred("${" + alt + "}", reason=f"{key} is not in {name}")
        if isinstance(data, dict | list) and target in self._doc_of:
            self._mounts[(path, target, tuple(p for p in key.split(".") if p))] = None
        marker = f"file:{target}:{key}"
        self._budget -= 1
        if marker in self._stack or self._depth > MAX_PASSES or self._budget < 0:
            self.draft.warn(self.doc.locate(path), f"${{{alt}}} refers back to itself; left unresolved")
            return Deferred("${" + alt + "}", reason=f"{name}:{key} refers to itself")
        self._depth += 1
        self._stack.add(marker)
        try:
            return self.resolve(data, path)
        finally:
            self._depth -= 1
            self._stack.discard(marker)


def _alternatives(expr: str) -> list[str]:
    """Splits 'a, b(c, d), "e, f"' at top-level commas."""
    out, depth, quote, current = [], 0, "", ""
    for ch in expr:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(current)
            current = ""
            continue
        current += ch
    out.append(current)
    return out


def import_serverless(path: Path) -> ImportResult:
    path = Path(path)
    if path.is_dir():
        for name in ("serverless.yml", "serverless.yaml", "serverless.json", *CODE_SERVICE_FILES):
            if (path / name).is_file():
                path = path / name
                break
    if path.name in CODE_SERVICE_FILES or path.suffix in CODE_RESOLVERS:
        language = "TypeScript" if path.suffix == ".ts" else "JavaScript"
        raise ModelInvalid(
            [
                ModelError(
                    Location(str(path), 1, 1),
                    f"{path.name} is {language}: tmgen never runs code, so it cannot read this service",
                    "write the resolved service as YAML with `serverless print > serverless.yml` "
                    "(or `sls package` and import the CloudFormation template in .serverless/) and import that",
                )
            ]
        )
    problems: list[tuple[Location, str]] = []
    doc = load_file(path, str(path), tag_handler(problems))
    if not isinstance(doc.data, dict):
        raise ModelInvalid([ModelError(Location(doc.file, 1, 1), "a Serverless service file is a mapping")])
    service = doc.data.get("service")
    if isinstance(service, dict):  # v1 allowed service: {name: ...}
        service = service.get("name")
    draft = Draft(doc.file, "serverless", safe_name(service if isinstance(service, str) else path.parent.name))
    draft.data["deployment"] = {"tool": "serverless"}
    for loc, text in problems:
        draft.warn(loc, text)
    ServiceImporter(draft, doc, path).run()
    return draft.finish()


class ServiceImporter:
    """Maps one Serverless service into a Draft."""

    def __init__(self, draft: Draft, doc: Document, path: Path) -> None:
        self.draft = draft
        self.doc = doc
        self.vars = Variables(doc, path.parent, draft)
        self.data: dict[str, Any] = {}
        self.provider: dict[str, Any] = {}

    def resolved(self, key: str) -> Any:
        value = self.vars.resolve(self.doc.data.get(key), (key,))
        self.vars.graft()
        return value

    def notes(self, prefix: PathT, model_path: str, value: Any = None) -> None:
        self.draft.carry_notes(self.vars.assumed, prefix, model_path, value)

    def run(self) -> None:
        provider = self.resolved("provider")
        self.provider = provider if isinstance(provider, dict) else {}
        functions = self._functions()
        self.ids = {name: logical_id(name) for name in functions}
        for name in functions:
            self.draft.add("functions", name, {}, self.doc.locate(("functions", name)), self.ids[name])
            self.draft.index[f"function-name:{name}"] = self.draft.index[self.ids[name]]
        self.layer_ids = self._layers()
        self.cfn = self._resources()
        shared_needed = False
        for name, (spec, path) in functions.items():
            fname = self.draft.index[self.ids[name]][1]
            try:
                shared_needed |= self._function(fname, name, spec, path)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                self.draft.warn(self.doc.locate(path), f"could not read function {name}: {exc}; skipped")
        if shared_needed:
            self._shared_role(functions)

    # -- gathering ---------------------------------------------------------------------------
    def _functions(self) -> dict[str, tuple[dict[str, Any], PathT]]:
        raw = self.resolved("functions")
        out: dict[str, tuple[dict[str, Any], PathT]] = {}
        # functions may be a list of mappings (often ${file(...)} each), merged in order
        parts = raw if isinstance(raw, list) else [raw]
        for i, part in enumerate(parts):
            if isinstance(part, Deferred):
                self.draft.warn(self.doc.locate(("functions", i)), f"functions unresolved: {part.reason}")
                continue
            if not isinstance(part, dict):
                continue
            for name, spec in part.items():
                path: PathT = ("functions", i, name) if isinstance(raw, list) else ("functions", name)
                if not isinstance(spec, dict):
                    self.draft.warn(self.doc.locate(path), f"function {name} is not a mapping; skipped")
                    continue
                out[str(name)] = (spec, path)
        return out

    def _layers(self) -> list[str]:
        """The service's own `layers`: published by the service, shared with allowedAccounts;
        functions and resources refer to them as {Ref: <Name>LambdaLayer}."""
        raw = self.resolved("layers")
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self.draft.warn(self.doc.locate(("layers",)), "layers is not a mapping of layer names; skipped")
            return []
        ids: list[str] = []
        for name, spec in raw.items():
            path: PathT = ("layers", name)
            lid = logical_id(str(name), "LambdaLayer")
            entry: dict[str, Any] = {"publisher": "self"}
            if isinstance(spec, dict):
                if isinstance(spec.get("description"), str):
                    entry["description"] = spec["description"]
                shared: list[str] = []
                for i, account in enumerate(aws.as_list(spec.get("allowedAccounts"))):
                    text = str(account).strip()
                    if text == "*" or aws.ACCOUNT_ID.match(text):
                        shared.append(text)
                    else:
                        self.draft.warn(
                            self.doc.locate(path + ("allowedAccounts", i)),
                            f"allowedAccounts entry {account!r} of layer {name} is not an account id or '*'; skipped",
                        )
                if shared:
                    entry["shared_with"] = aws.sorted_unique(shared)
            elif spec is not None:
                self.draft.warn(self.doc.locate(path), f"layer {name} is not a mapping; read as a private layer")
            lname = self.draft.add("layers", str(name), entry, self.doc.locate(path), lid)
            self.draft.note(f"layers.{lname}", "published by this service")
            ids.append(lid)
        return ids

    def _resources(self) -> TemplateImporter:
        """Runs the CloudFormation importer over the `resources` fragments."""
        raw = self.resolved("resources")
        merged: dict[str, Any] = {"Resources": {}, "Conditions": {}, "Mappings": {}}
        doc = Document(self.doc.file, merged)
        fragments = raw if isinstance(raw, list) else [raw]
        for i, fragment in enumerate(fragments):
            base: PathT = ("resources", i) if isinstance(raw, list) else ("resources",)
            if not isinstance(fragment, dict):
                continue
            for section in ("Resources", "Conditions", "Mappings"):
                if isinstance(fragment.get(section), dict):
                    merged[section].update(fragment[section])
                    self._map_locations(doc, base + (section,), (section,), fragment[section])
        external = frozenset(self.ids.values()) | frozenset(self.layer_ids) | {SHARED_ROLE}
        importer = TemplateImporter(self.draft, doc, Path(self.doc.file), external=external)
        importer.run()
        return importer

    def _map_locations(self, doc: Document, source: PathT, target: PathT, value: Any) -> None:
        """Locations for a fragment: from the service file, else from the file it was read from."""
        for key in value:
            loc = self._locate(source + (key,))
            doc.keys[target + (key,)] = loc
            inner = value[key]
            if isinstance(inner, dict):
                for sub in inner:
                    doc.keys[target + (key, sub)] = self._locate(source + (key, sub))

    def _locate(self, path: PathT) -> Location:
        if path in self.doc.keys or path in self.doc.values:
            return self.doc.locate(path)
        # a fragment read through ${file(...)}: find the key in the files read
        for doc in self.vars.docs:
            for known, loc in doc.keys.items():
                if known and known[-1] == path[-1] and (len(path) < 2 or path[-2] in known):
                    return loc
        return self.doc.locate(path)

    # -- functions ----------------------------------------------------------------------------
    def _get(self, spec: dict[str, Any], key: str, default: Any = None) -> Any:
        if key in spec:
            return spec[key]
        return self.provider.get(key, default)

    def _function(self, fname: str, name: str, spec: dict[str, Any], path: PathT) -> bool:
        """Fills one function; returns whether it uses the shared role the Framework creates."""
        fn = self.draft.collection("functions")[fname]
        mpath = f"functions.{fname}"
        if isinstance(spec.get("description"), str):
            fn["description"] = spec["description"]
        if spec.get("image") is not None:
            fn["package"] = "image"
            fn["image"] = {"base": "custom"}
            self.draft.note(f"{mpath}.image", "the base image is not in the service file; assumed custom")
        else:
            runtime = self._get(spec, "runtime")
            if isinstance(runtime, str) and runtime:
                fn["runtime"] = runtime
                self.notes(path + ("runtime",), f"{mpath}.runtime")
                self.notes(("provider", "runtime"), f"{mpath}.runtime")
            else:
                fn["runtime"] = "unknown"
                why = runtime.reason if isinstance(runtime, Deferred) else "no runtime in the function or provider"
                self.draft.note(f"{mpath}.runtime", f"unresolved: {why}")
        if self._get(spec, "architecture") == "arm64":
            fn["architecture"] = "arm64"
        self._number(fn, mpath, spec, path, "memorySize", "memory", DEFAULT_MEMORY, 128, 10240)
        self._number(fn, mpath, spec, path, "timeout", "timeout", DEFAULT_TIMEOUT, 1, 900)
        if "reservedConcurrency" in spec:
            self._number(fn, mpath, spec, path, "reservedConcurrency", "reserved_concurrency", None, 0, 10**6)
        if "ephemeralStorageSize" in spec:
            self._number(fn, mpath, spec, path, "ephemeralStorageSize", "ephemeral_storage", None, 512, 10240)
        self._environment(fn, mpath, spec, path)
        if self._get(spec, "kmsKeyArn") is not None:
            fn["kms_key"] = "customer-managed"
        vpc = self._vpc_config(spec, path)
        if vpc is not None and all(_listed(value) for value, _ in vpc.values()):
            (subnets, subnets_at), (groups, groups_at) = vpc["subnetIds"], vpc["securityGroupIds"]
            where = subnets_at[:-1]

            def locate(*keys: Any) -> Location:
                if not keys:
                    return self.doc.locate(where)
                at = subnets_at if keys[0] == "SubnetIds" else groups_at
                return self.doc.locate(at + tuple(keys[1:]))

            placed = self.cfn.place_in_vpc(self._cfn_value(subnets), self._cfn_value(groups), locate, name, fn, mpath)
            if placed:
                self.notes(subnets_at[:-1], f"{mpath}.vpc")
                if groups_at[:-1] != subnets_at[:-1]:
                    self.notes(groups_at[:-1], f"{mpath}.vpc")
        tracing = self._get(spec, "tracing")
        lambda_tracing = tracing.get("lambda") if isinstance(tracing, dict) else tracing
        if lambda_tracing in (True, "Active", "true"):
            fn["tracing"] = True
        layers = spec.get("layers", self.provider.get("layers"))
        for i, layer in enumerate(aws.as_list(layers)):
            value = self._cfn_value(layer)
            self.cfn.function_layer(fn, mpath, value, self.doc.locate(path + ("layers", i)))
        self._async(fn, fname, spec, path)
        url = spec.get("url")
        if url:
            auth = (
                "AWS_IAM" if isinstance(url, dict) and str(url.get("authorizer", "")).lower() == "aws_iam" else "NONE"
            )
            cors = url.get("cors") if isinstance(url, dict) else None
            origins = cors.get("allowedOrigins") if isinstance(cors, dict) else (["*"] if cors is True else None)
            config = {"AuthType": auth, "Cors": {"AllowOrigins": origins} if origins else None}
            self.cfn._function_url(fname, config, self.doc.locate(path + ("url",)), implicit_permission=True)
            if auth == "NONE":
                self.draft.note(f"functions.{fname}.url", "url without an authorizer: the Framework makes it public")
        tags = (
            {**(self.provider.get("tags") or {}), **(spec.get("tags") or {})}
            if isinstance(spec.get("tags", {}), dict)
            else {}
        )
        if tags:
            fn["tags"] = {str(k): str(v) for k, v in tags.items()}
        role = spec.get("role", self.provider.get("role") or dig(self.provider, ("iam", "role")))
        uses_shared = False
        intrinsic = isinstance(role, dict) and len(role) == 1 and str(next(iter(role))).startswith(("Fn::", "Ref"))
        if isinstance(role, str | Deferred) or intrinsic:
            fn["role"] = self._role_ref(role, path + ("role",) if "role" in spec else ("provider", "role"))
        else:
            fn["role"] = self._shared_role_name()
            uses_shared = True
        for i, event in enumerate(aws.as_list(spec.get("events"))):
            self._event(fname, name, event, path + ("events", i))
        return uses_shared

    def _vpc_config(self, spec: dict[str, Any], path: PathT) -> dict[str, tuple[Any, PathT]] | None:
        """The function's subnet and security group ids as the Framework computes them: each of
        the function's `vpc` keys, unless it is empty (JavaScript-falsy), else the provider's.
        Without both, the Framework leaves the function out of any VPC (None), and so does
        `vpc: ~` (or false) on the function since Framework v2.63."""
        if "vpc" in spec and spec["vpc"] in (None, False):
            return None
        own: dict[str, Any] = spec["vpc"] if isinstance(spec.get("vpc"), dict) else {}
        shared: dict[str, Any] = self.provider["vpc"] if isinstance(self.provider.get("vpc"), dict) else {}
        out: dict[str, tuple[Any, PathT]] = {}
        for key in ("subnetIds", "securityGroupIds"):
            value = own.get(key)
            if value is not None and value != "" and value is not False:
                out[key] = (value, path + ("vpc", key))
            elif shared.get(key) not in (None, "", False):
                out[key] = (shared[key], ("provider", "vpc", key))
        return out if len(out) == 2 else None

    def _number(
        self,
        fn: dict[str, Any],
        mpath: str,
        spec: dict[str, Any],
        path: PathT,
        key: str,
        field: str,
        default: int | None,
        lo: int,
        hi: int,
    ) -> None:
        value = self._get(spec, key)
        where = path + (key,) if key in spec else ("provider", key)
        if value is None:
            if default is not None:
                fn[field] = default
                self.draft.note(f"{mpath}.{field}", f"the Serverless Framework default ({key} is not set)")
            return
        if isinstance(value, Deferred):
            if default is not None:
                fn[field] = default
            self.draft.note(f"{mpath}.{field}" if default is not None else mpath, f"{key} unresolved: {value.reason}")
            return
        try:
            number = int(str(value))
        except ValueError:
            self.draft.warn(self.doc.locate(where), f"{key} is not a number: {value!r}")
            return
        if not lo <= number <= hi:
            self.draft.warn(self.doc.locate(where), f"{key} {number} is outside {lo}..{hi}; ignored")
            return
        fn[field] = number
        self.draft.locate(f"{mpath}.{field}", self.doc.locate(where))
        self.notes(where, f"{mpath}.{field}")

    def _environment(self, fn: dict[str, Any], mpath: str, spec: dict[str, Any], path: PathT) -> None:
        merged: dict[str, tuple[Any, PathT]] = {}
        for source, base in (
            (self.provider.get("environment"), ("provider", "environment")),
            (spec.get("environment"), path + ("environment",)),
        ):
            if isinstance(source, dict):
                for k, v in source.items():
                    merged[str(k)] = (v, base + (k,))
        out: dict[str, Any] = {}
        for var, (value, where) in merged.items():
            vpath = f"{mpath}.environment.{var}"
            if isinstance(value, Deferred):
                if re.search(
                    r"\$\{(ssm:.*(~true|withDecryption)|secretsmanager:|ssm:/aws/reference/secretsmanager)", value.text
                ):
                    out[var] = {"secret": True}
                    self.draft.note(
                        vpath,
                        "the Framework resolves this secret at deploy time and writes its value into the variable",
                    )
                else:
                    out[var] = value.text
                    if value.reason:
                        self.draft.note(vpath, f"unresolved: {value.reason}")
            elif isinstance(value, dict | list):
                out[var] = str(aws.plain(self._cfn_value(value)))
                self.draft.note(vpath, "a CloudFormation function, resolved at deploy time")
            else:
                out[var] = value
            self.draft.locate(vpath, self.doc.locate(where))
            self.notes(where, vpath)
        if out:
            fn["environment"] = out

    def _cfn_value(self, value: Any) -> Any:
        """A value that may hold CloudFormation functions (!Ref, !GetAtt...) of the resources."""
        return self.cfn.resolver.resolve(value, ("Resources",)) if isinstance(value, dict | list) else value

    def _async(self, fn: dict[str, Any], fname: str, spec: dict[str, Any], path: PathT) -> None:
        out: dict[str, Any] = {}
        on_error = spec.get("onError")
        if on_error is not None:
            target = self.cfn._destination(self._cfn_value(on_error), self.doc.locate(path + ("onError",)))
            if target:
                out["on_failure"] = target
        destinations = spec.get("destinations")
        if isinstance(destinations, dict):
            for key, field in (("onFailure", "on_failure"), ("onSuccess", "on_success")):
                dest = destinations.get(key)
                if isinstance(dest, dict):
                    dest = dest.get("arn")
                if dest is None:
                    continue
                loc = self.doc.locate(path + ("destinations", key))
                if isinstance(dest, str) and dest in self.ids:  # a function of this service by name
                    out[field] = self.draft.index[self.ids[dest]][1]
                else:
                    target = self.cfn._destination(self._cfn_value(dest), loc)
                    if target:
                        out[field] = target
        if out:
            fn["async"] = out
            self.draft.locate(f"functions.{fname}.async", self.doc.locate(path))

    # -- IAM -------------------------------------------------------------------------------------
    def _shared_role_name(self) -> str:
        found = self.draft.lookup(SHARED_ROLE, "roles")
        if found:
            return found
        return self.draft.add("roles", SHARED_ROLE, {"kind": "execution"}, self.doc.locate(("provider",)), SHARED_ROLE)

    def _role_ref(self, value: Any, where: PathT) -> str:
        """A function's `role`: a logical id of `resources`, an ARN, or a role name."""
        value = self._cfn_value(value)
        if isinstance(value, str) and self.draft.lookup(value, "roles"):
            return self.draft.lookup(value, "roles")  # type: ignore[return-value]
        hit = self.cfn.target(value)
        if hit and hit[0] == "roles":
            return hit[1]
        arn = aws.parse_arn(value) if isinstance(value, str) else None
        name = safe_name(
            arn.rest.rsplit("/", 1)[-1]
            if arn
            else (value.parameter or value.text)
            if isinstance(value, Deferred)
            else value
        )
        roles = self.draft.collection("roles")
        if name not in roles:
            roles[name] = {"kind": "execution", "managed_policies": [unknown_policies(name)]}
            self.draft.locate(f"roles.{name}", self.doc.locate(where))
            self.draft.note(f"roles.{name}", "a role outside the service: its policies are unknown")
        return name

    def _shared_role(self, functions: dict[str, tuple[dict[str, Any], PathT]]) -> None:
        """The execution role the Framework creates for the functions that name none."""
        name = self._shared_role_name()
        self.draft.note(f"roles.{name}", "created by the Serverless Framework for the functions without a role")
        managed: list[Any] = []
        statements: list[tuple[Any, PathT]] = []
        for key in ("iamRoleStatements",):
            for i, stmt in enumerate(aws.as_list(self.provider.get(key))):
                statements.append((stmt, ("provider", key, i)))
        iam_role = dig(self.provider, ("iam", "role"))
        if isinstance(iam_role, dict):
            for i, stmt in enumerate(aws.as_list(iam_role.get("statements"))):
                statements.append((stmt, ("provider", "iam", "role", "statements", i)))
            managed += [m for m in aws.as_list(iam_role.get("managedPolicies"))]
            boundary = iam_role.get("permissionsBoundary")
        else:
            boundary = self.provider.get("rolePermissionsBoundary")
        managed += [m for m in aws.as_list(self.provider.get("iamManagedPolicies"))]
        for stmt, where in statements:
            resolved = self._cfn_value(stmt)
            self.cfn._add_statements(name, {"Statement": [resolved]}, self.doc.locate(where))
        # what the Framework always grants: writing its logs
        self.draft.append(
            ("roles", name),
            "statements",
            {
                "effect": "Allow",
                "actions": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource", "logs:PutLogEvents"],
                "resources": ["*"],
            },
            self.doc.locate(("provider",)),
        )
        for i, arn in enumerate(managed):
            self.cfn._managed_policy(
                name, self._cfn_value(arn), self.doc.locate(("provider", "iam", "role", "managedPolicies", i))
            )
        if any(
            (vpc := self._vpc_config(spec, path)) is not None and all(_listed(v) for v, _ in vpc.values())
            for spec, path in functions.values()
        ):
            self.cfn._managed_policy(
                name, f"arn:aws:iam::aws:policy/service-role/{aws.SAM_VPC}", self.doc.locate(("provider",))
            )
        if boundary is not None:
            self.cfn._boundary(name, self._cfn_value(boundary), self.doc.locate(("provider",)))
        for fname, fn in self.draft.collection("functions").items():
            if fn.get("role") != name:
                continue
            for trigger in fn.get("triggers", []):
                actions = {
                    "sqs": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    "kinesis": [
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:DescribeStream",
                        "kinesis:ListStreams",
                    ],
                    "dynamodb": [
                        "dynamodb:GetRecords",
                        "dynamodb:GetShardIterator",
                        "dynamodb:DescribeStream",
                        "dynamodb:ListStreams",
                    ],
                }.get(trigger["type"])
                if actions and trigger.get("source"):
                    self.draft.append(
                        ("roles", name),
                        "statements",
                        {
                            "effect": "Allow",
                            "actions": actions,
                            "resources": [self.draft.resource_ref("resources", trigger["source"])],
                        },
                        self.draft.locations.get(f"functions.{fname}"),
                    )

    # -- events --------------------------------------------------------------------------------
    def _event(self, fname: str, name: str, event: Any, path: PathT) -> None:
        loc = self.doc.locate(path)
        if not isinstance(event, dict) or len(event) != 1:
            self.draft.warn(loc, f"an event of {name} that is not a single-key mapping; skipped")
            return
        ((kind, spec),) = event.items()
        spec = self._cfn_value(spec) if isinstance(spec, dict) else spec

        def trigger(entry: dict[str, Any]) -> None:
            self.cfn._trigger(fname, entry, loc)

        def permit(principal: str, **extra: Any) -> None:
            i = self.draft.append(("functions", fname), "permissions", {"principal": principal, **extra}, loc)
            self.draft.note(
                f"functions.{fname}.permissions[{i}]", f"added by the Serverless Framework for the {kind} event"
            )

        if kind == "http":
            api = self._implicit_api("ApiGatewayRestApi", "api_gateway", loc)
            auth = "none"
            if isinstance(spec, dict):
                authorizer = spec.get("authorizer")
                auth = _authorizer_kind(authorizer, rest=True)
                if auth == "none" and spec.get("private") is True:
                    auth = "api_key"
            trigger({"type": "api_gateway", "source": api, "auth": auth})
            permit("apigateway.amazonaws.com", source_arn=f"{EXECUTE_API}${{{api}}}/*/*")
        elif kind == "httpApi":
            api = self._implicit_api("HttpApi", "http_api", loc)
            auth = self._http_api_auth(spec.get("authorizer")) if isinstance(spec, dict) else "none"
            trigger({"type": "http_api", "source": api, "auth": auth})
            permit("apigateway.amazonaws.com", source_arn=f"{EXECUTE_API}${{{api}}}/*")
        elif kind == "alb":
            listener = spec.get("listenerArn") if isinstance(spec, dict) else None
            source = self.cfn.source_entry(listener, "alb", loc) if listener is not None else None
            hit = self.cfn.target(listener)
            if hit and hit[0] != "resources":
                source = None
            trigger({"type": "alb", "source": source} if source else {"type": "alb"})
            permit("elasticloadbalancing.amazonaws.com")
        elif kind == "s3":
            bucket = spec.get("bucket") if isinstance(spec, dict) else spec
            source = self._named_source(bucket, "s3", "S3Bucket", loc)
            trigger({"type": "s3", "source": source})
            extra = {"source_arn": f"arn:aws:s3:::{bucket}"} if isinstance(bucket, str) and "${" not in bucket else {}
            permit("s3.amazonaws.com", source_account=self.cfn.own_account(), **extra)
        elif kind == "sqs":
            arn = spec.get("arn") if isinstance(spec, dict) else spec
            self.cfn._polled_trigger(fname, arn, loc, "sqs")
        elif kind == "stream":
            arn = spec.get("arn") if isinstance(spec, dict) else spec
            stype = spec.get("type") if isinstance(spec, dict) else None
            self.cfn._polled_trigger(fname, arn, loc, stype if stype in ("dynamodb", "kinesis") else "kinesis")
        elif kind == "sns":
            topic = spec.get("arn") or spec.get("topicName") if isinstance(spec, dict) else spec
            source = self._named_source(topic, "sns", "SNSTopic", loc)
            trigger({"type": "sns", "source": source})
            arn = topic if isinstance(topic, str) and topic.startswith("arn:") else f"${{{source}}}" if source else None
            permit("sns.amazonaws.com", **({"source_arn": str(arn)} if arn else {}))
        elif kind == "schedule":
            trigger({"type": "schedule"})
            permit("events.amazonaws.com", source_arn=f"${{{fname}EventsRuleSchedule.Arn}}")
        elif kind == "eventBridge":
            if isinstance(spec, dict) and spec.get("schedule"):
                trigger({"type": "schedule"})
            else:
                bus = spec.get("eventBus") if isinstance(spec, dict) else None
                source = (
                    self._named_source(bus, "eventbridge", "EventBus", loc) if bus not in (None, "default") else None
                )
                trigger({"type": "eventbridge", "source": source} if source else {"type": "eventbridge"})
            permit("events.amazonaws.com", source_arn=f"${{{fname}EventBridgeRule.Arn}}")
        elif kind == "cognitoUserPool":
            pool = spec.get("pool") if isinstance(spec, dict) else None
            source = self._named_source(pool, "cognito", "CognitoUserPool", loc) if pool else None
            trigger({"type": "cognito", "source": source} if source else {"type": "cognito"})
            permit("cognito-idp.amazonaws.com", source_arn=f"${{{source or pool}.Arn}}")
        elif kind == "cloudwatchLog":
            trigger({"type": "cloudwatch_logs"})
            permit("logs.amazonaws.com")
        elif kind == "iot":
            trigger({"type": "iot"})
            permit("iot.amazonaws.com")
        else:
            self.draft.warn(loc, f"event type {kind} of {name} is not modelled; skipped")

    def _http_api_auth(self, authorizer: Any) -> str:
        """The kind of an httpApi event's authorizer; a name refers to provider.httpApi.authorizers."""
        name = authorizer if isinstance(authorizer, str) else None
        if isinstance(authorizer, dict) and isinstance(authorizer.get("name"), str) and "type" not in authorizer:
            name = authorizer["name"]
        if name is not None:
            defined = dig(self.provider, ("httpApi", "authorizers", name))
            if isinstance(defined, dict):
                kind = str(defined.get("type", "jwt")).lower()
                return (
                    "lambda"
                    if kind == "request" or defined.get("functionName") or defined.get("functionArn")
                    else "jwt"
                )
        return _authorizer_kind(authorizer, rest=False)

    def _implicit_api(self, logical: str, rtype: str, loc: Location) -> str:
        found = self.draft.lookup(logical, "resources")
        if found:
            return found
        name = self.draft.add("resources", logical, {"type": rtype, "exposure": "public"}, loc, logical)
        self.draft.note(f"resources.{name}", "the API the Serverless Framework creates for the service's events")
        return name

    def _named_source(self, value: Any, rtype: str, suffix: str, loc: Location) -> str | None:
        """An event source given by name (the Framework creates it unless it exists) or ARN."""
        if value is None:
            return None
        hit = self.cfn.target(value)
        if hit and hit[0] == "resources":
            return hit[1]
        if isinstance(value, str) and not value.startswith("arn:"):
            return self.draft.ensure_resource(
                rtype, value, loc, "created by the Serverless Framework for an event, or an existing one"
            )
        return self.cfn.source_entry(value, rtype, loc)


EXECUTE_API = "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:"


def _authorizer_kind(authorizer: Any, rest: bool) -> str:
    if authorizer is None:
        return "none"
    if isinstance(authorizer, str):
        if authorizer.lower() == "aws_iam":
            return "iam"
        return "cognito" if "cognito-idp" in authorizer else "lambda"
    if isinstance(authorizer, dict):
        kind = str(authorizer.get("type", "")).lower()
        if kind == "aws_iam":
            return "iam"
        if kind == "cognito_user_pools" or "cognito-idp" in str(authorizer.get("arn", "")):
            return "cognito"
        if kind == "jwt" or authorizer.get("issuerUrl") or (not rest and authorizer.get("name") and kind != "request"):
            return "jwt" if not rest else "lambda"
        return "lambda"
    return "none"


def _listed(value: Any) -> bool:
    """Whether a VPC id list names anything: an empty list is the Framework's way to opt a
    function out of the provider's VPC."""
    return not (isinstance(value, list) and not value)
