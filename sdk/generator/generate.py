"""Generate the SDK's models (``types/``) and resource classes (``resources/``) from openapi.yaml.

Run by ``nox -s generate`` (``python sdk/generator/generate.py [--out DIR]``). The output is formatted
with ruff, so regenerating an unchanged spec gives byte-identical files; CI checks that it does.
"""

from __future__ import annotations

import argparse
import keyword
import re
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
PACKAGE = ROOT / "sdk" / "src" / "mailman_sdk"
HEADER = "# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.\n"
METHODS = ("get", "post", "put", "patch", "delete")
# Hand-written behaviour mixed into a generated resource (sync, async).
MIXINS = {"webhooks": ("WebhookHelpers", "WebhookHelpers")}
# Verbs that list things return cursor pages.
PAGE_SUFFIX = "List"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def pascal(dotted: str) -> str:
    return "".join(part.title().replace("_", "") for part in re.split(r"[._]", dotted))


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def py_name(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) or name in ("json",) else name


def doc(text: str | None, indent: str) -> str:
    """A docstring body: the text wrapped to the line length, triple quotes made safe."""
    if not text:
        return ""
    text = text.strip().replace('"""', "'''").replace("\\", "\\\\")
    paragraphs = [textwrap.fill(" ".join(p.split()), 100) for p in text.split("\n\n")]
    return textwrap.indent("\n\n".join(paragraphs), indent)


@dataclass
class Models:
    """Python types for the spec's schemas: response models, request TypedDicts, literal aliases."""

    schemas: dict[str, Any]
    request_only: set[str]
    emitted: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        return self.schemas[ref_name(schema["$ref"])] if "$ref" in schema else schema

    def properties(self, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Properties and required names, with allOf merged."""
        if "allOf" in schema:
            props: dict[str, Any] = {}
            required: set[str] = set()
            for part in schema["allOf"]:
                p, r = self.properties(self.resolve(part))
                props.update(p)
                required |= r
            return props, required
        return dict(schema.get("properties", {})), set(schema.get("required", []))

    def annotation(self, schema: dict[str, Any], owner: str, prop: str, *, params: bool = False) -> str:
        """The Python annotation for ``schema`` (nullable included), emitting classes it needs."""
        nullable = schema.get("nullable", False)
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            target = self.schemas[name]
            if target.get("type") == "string" and "enum" not in target:
                base = "str"
            else:
                self.emit(name)
                base = f"{name}Param" if name in self.request_only and target.get("type") == "object" else name
            nullable = nullable or target.get("nullable", False)
        elif "enum" in schema:
            base = "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
        elif schema.get("type") == "array":
            base = f"list[{self.annotation(schema['items'], owner, prop, params=params)}]"
        elif schema.get("type") == "object" and "properties" in schema:
            name = owner + pascal(prop)
            self.emit_object(name, schema, params=params)
            base = name
        elif schema.get("type") == "object":
            extra = schema.get("additionalProperties")
            base = f"dict[str, {self.annotation(extra, owner, prop)}]" if isinstance(extra, dict) else "dict[str, Any]"
        else:
            base = {
                "integer": "int",
                "number": "float",
                "boolean": "bool",
            }.get(schema.get("type", ""), "str")
            if schema.get("format") == "date-time":
                base = "datetime"
        return f"{base} | None" if nullable else base

    def emit(self, name: str) -> None:
        if name in self.emitted or name in self.aliases:
            return
        schema = self.schemas[name]
        if "oneOf" in schema:
            members = [ref_name(s["$ref"]) for s in schema["oneOf"]]
            for member in members:
                self.emit(member)
            prop = schema["discriminator"]["propertyName"]
            union = " | ".join(members)
            self.aliases[name] = f'Annotated[{union}, Field(discriminator="{prop}")]'
            self.order.append(name)
            return
        if schema.get("type") == "string":
            if "enum" in schema:  # plain strings (Recipient, Label) are written as str where used
                self.aliases[name] = "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
                self.order.append(name)
            return
        if name in self.request_only:
            self.emit_object(f"{name}Param", schema, params=True)
        else:
            self.emit_object(name, schema)

    def emit_object(self, name: str, schema: dict[str, Any], *, params: bool = False) -> None:
        if name in self.emitted:
            return
        self.emitted[name] = ""  # reserve against cycles
        props, required = self.properties(schema)
        lines = []
        for prop, sub in props.items():
            annotation = self.annotation(sub, name, prop, params=params)
            description = sub.get("description") or self.resolve(sub).get("description")
            if params:
                wrapped = annotation if prop in required else f"NotRequired[{annotation}]"
                lines.append(f"    {py_name(prop)}: {wrapped}")
            elif prop in required:
                alias = f" = Field(alias={prop!r})" if py_name(prop) != prop else ""
                lines.append(f"    {py_name(prop)}: {annotation}{alias}")
            else:
                default = f"Field(default=None, alias={prop!r})" if py_name(prop) != prop else "None"
                optional = annotation if annotation.endswith("| None") else f"{annotation} | None"
                lines.append(f"    {py_name(prop)}: {optional} = {default}")
            if description:
                lines.append(f'    """{doc(description, "    ").strip()}"""')
        base = "TypedDict" if params else "BaseModel"
        description = doc(schema.get("description"), "    ").strip()
        body = (f'    """{description}"""\n\n' if description else "") + ("\n".join(lines) or "    pass")
        self.emitted[name] = f"class {name}({base}):\n{body}\n"
        self.order.append(name)

    def render(self) -> str:
        parts = [HEADER, '"""Models of the Mailman API, one class per schema of openapi.yaml."""\n']
        body = [
            f"{name} = {self.aliases[name]}\n" if name in self.aliases else self.emitted[name] for name in self.order
        ]
        text = "\n".join(body)
        typing_names = [n for n in ("Annotated", "Any", "Literal", "NotRequired") if f"{n}[" in text]
        parts.append(
            "from __future__ import annotations\n\n"
            "from datetime import datetime\n"
            f"from typing import {', '.join(typing_names)}\n\n"
            "from pydantic import Field\n"
            "from typing_extensions import TypedDict\n\n"
            "from .._models import BaseModel\n"
        )
        parts += body
        exported = list(self.order)
        parts.append("__all__ = [" + ", ".join(repr(n) for n in sorted(exported)) + "]\n")
        return "\n\n".join(parts)


@dataclass
class Param:
    name: str
    annotation: str
    required: bool
    description: str | None
    location: str  # path, query, body


@dataclass
class Operation:
    resource: str
    method: str
    http_method: str
    path: str
    summary: str
    description: str
    params: list[Param]
    returns: str  # model name, "bytes", "None", or "page:Model"
    follow_redirects: bool


def collect_refs(node: Any, spec: dict[str, Any], seen: set[str]) -> None:
    """Every schema name ``node`` refers to, following references through components of any kind."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            kind, name = ref.split("/")[-2:]
            if kind == "schemas" and name not in seen:
                seen.add(name)
                collect_refs(spec["components"]["schemas"][name], spec, seen)
            elif kind != "schemas":
                collect_refs(spec["components"][kind][name], spec, seen)
        for value in node.values():
            collect_refs(value, spec, seen)
    elif isinstance(node, list):
        for value in node:
            collect_refs(value, spec, seen)


def load(spec: dict[str, Any]) -> tuple[Models, list[Operation]]:
    schemas = spec["components"]["schemas"]
    parameters = spec["components"]["parameters"]
    response_refs: set[str] = set()
    request_refs: set[str] = set()
    for item in spec["paths"].values():
        for method in METHODS:
            if method in item:
                responses = item[method].get("responses", {})
                collect_refs({k: v for k, v in responses.items() if k.startswith("2")}, spec, response_refs)
                collect_refs(item[method].get("requestBody", {}), spec, request_refs)
    top_bodies = {
        ref_name(item[m]["requestBody"]["content"]["application/json"]["schema"]["$ref"])
        for item in spec["paths"].values()
        for m in METHODS
        if m in item and "requestBody" in item[m]
    }
    request_only = (request_refs - response_refs) - top_bodies
    models = Models(schemas, request_only)
    for name in sorted(response_refs, key=list(schemas).index):
        if name.endswith(PAGE_SUFFIX) or name == "Problem":
            continue
        models.emit(name)
    models.emit("Event")

    operations = []
    for path, item in spec["paths"].items():
        for http_method in METHODS:
            if http_method not in item:
                continue
            op = item[http_method]
            params: list[Param] = []
            for raw in op.get("parameters", []):
                p = parameters[ref_name(raw["$ref"])] if "$ref" in raw else raw
                if p["in"] == "header":
                    continue
                params.append(
                    Param(
                        p["name"],
                        models.annotation(p["schema"], "", p["name"], params=True),
                        p.get("required", False),
                        p.get("description"),
                        p["in"],
                    )
                )
            if "requestBody" in op:
                body = schemas[ref_name(op["requestBody"]["content"]["application/json"]["schema"]["$ref"])]
                props, required = models.properties(body)
                for prop, sub in props.items():
                    params.append(
                        Param(
                            prop,
                            models.annotation(sub, pascal(op["operationId"]), prop, params=True),
                            prop in required,
                            sub.get("description"),
                            "body",
                        )
                    )
            success = next(code for code in op["responses"] if code.startswith("2"))
            content = op["responses"][success].get("content", {})
            if not content:
                returns = "None"
            elif "application/json" in content:
                name = ref_name(content["application/json"]["schema"]["$ref"])
                if name.endswith(PAGE_SUFFIX):
                    item_schema = schemas[name]["properties"]["data"]["items"]
                    returns = "page:" + ref_name(item_schema["$ref"])
                else:
                    models.emit(name)
                    returns = name
            else:
                returns = "bytes"
            operations.append(
                Operation(
                    resource=op["x-mailman-resource"],
                    method=op["x-mailman-method"],
                    http_method=http_method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    params=params,
                    returns=returns,
                    follow_redirects="302" in op["responses"],
                )
            )
    return models, operations


def return_annotation(op: Operation, asynchronous: bool) -> str:
    if op.returns.startswith("page:"):
        model = op.returns.split(":", 1)[1]
        return f"AsyncPaginator[{model}]" if asynchronous else f"SyncCursorPage[{model}]"
    return op.returns


def listing(annotation: str) -> str:
    """``list[...]`` as ``List[...]``: inside a class with a ``list`` method, ``list`` names the method."""
    return re.sub(r"\blist\[", "List[", annotation)


def render_method(op: Operation, asynchronous: bool, unions: set[str]) -> str:
    path_params = [p for p in op.params if p.location == "path"]
    path_order = re.findall(r"{(\w+)}", op.path)
    path_params.sort(key=lambda p: path_order.index(p.name))
    keyword_params = [p for p in op.params if p.location != "path"]
    keyword_params.sort(key=lambda p: not p.required)
    signature = ["self"] + [f"{p.name}: str" for p in path_params]
    signature.append("*")
    for p in keyword_params:
        if p.required:
            signature.append(f"{py_name(p.name)}: {listing(p.annotation)}")
        else:
            signature.append(f"{py_name(p.name)}: {listing(p.annotation)} | NotGiven = NOT_GIVEN")
    signature += ["extra_headers: Headers | None = None", "timeout: Timeout | NotGiven = NOT_GIVEN"]
    if op.http_method == "POST":
        signature.append("idempotency_key: str | None = None")

    lines = [doc(op.summary, "        ")]
    if op.description and op.description.strip() != op.summary.strip():
        lines.append("\n" + doc(op.description, "        "))
    args = [p for p in path_params + keyword_params if p.description]
    if args:
        lines.append("\n        Args:")
        for p in args:
            text = " ".join(p.description.split()) if p.description else ""
            first = f"          {py_name(p.name)}: "
            lines.append(textwrap.fill(text, 96, initial_indent=first, subsequent_indent="            "))
    lines.append("\n          extra_headers: headers to add to this request only.")
    lines.append("          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.")
    if op.http_method == "POST":
        lines.append("          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.")
    docstring = "\n".join(line for line in lines if line is not None).rstrip()

    path_expr = op.path
    for p in path_params:
        path_expr = path_expr.replace("{" + p.name + "}", "{path_param(" + repr(p.name) + ", " + p.name + ")}")
    options = [repr(op.http_method), f'f"{path_expr}"' if path_params else repr(op.path)]
    query = [p for p in keyword_params if p.location == "query"]
    body = [p for p in keyword_params if p.location == "body"]
    if query:
        options.append("params=query({" + ", ".join(f"{p.name!r}: {py_name(p.name)}" for p in query) + "})")
    if body:
        options.append("json=given({" + ", ".join(f"{p.name!r}: {py_name(p.name)}" for p in body) + "})")
    options += ["extra_headers=extra_headers", "timeout=timeout"]
    if op.http_method == "POST":
        options.append("idempotency_key=idempotency_key")
    if op.follow_redirects:
        options.append("follow_redirects=True")
    request = "RequestOptions(" + ", ".join(options) + ")"
    awaiting = "await " if asynchronous else ""
    if op.returns.startswith("page:"):
        model = op.returns.split(":", 1)[1]
        page = "AsyncCursorPage" if asynchronous else "SyncCursorPage"
        prefix = "def"
        result = f"return self._list({request}, {page}[{model}])"
    else:
        prefix = "async def" if asynchronous else "def"
        if op.returns == "None":
            result = f"{awaiting}self._request({request}, type(None))"
        elif op.returns in unions:
            result = f'return cast("{op.returns}", {awaiting}self._request_any({request}, {op.returns}))'
        else:
            result = f"return {awaiting}self._request({request}, {op.returns})"
    return (
        f"    {prefix} {op.method}(\n        "
        + ",\n        ".join(signature)
        + f",\n    ) -> {return_annotation(op, asynchronous)}:\n"
        + f'        """{docstring.strip()}\n        """\n'
        + f"        {result}\n"
    )


def render_resource(name: str, ops: list[Operation], children: list[str], tag_doc: str, models_: Models) -> str:
    cls = pascal(name)
    known = set(models_.order)
    unions = {n for n, alias in models_.aliases.items() if alias.startswith("Annotated[")}
    models = sorted(
        {op.returns.split(":")[-1] for op in ops if op.returns not in ("None", "bytes")}
        | {m for op in ops for p in op.params for m in re.findall(r"\b([A-Z]\w+)\b", p.annotation) if m in known}
    )
    lines = [HEADER, f'"""The `{name}` resource{": " + tag_doc if tag_doc else ""}."""\n']
    lines.append(
        "from __future__ import annotations\n\nfrom datetime import datetime\n"
        "from functools import cached_property\nfrom typing import List, Literal, cast\n"
    )
    lines.append("from .._base_client import RequestOptions")
    lines.append("from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage")
    lines.append("from .._resource import AsyncAPIResource, SyncAPIResource, path_param")
    lines.append("from .._response import APIResponse, async_raw_wrapper, raw_wrapper")
    lines.append("from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query")
    if name in MIXINS:
        lines.append(f"from .._webhooks import {MIXINS[name][0]}")
    if models:
        lines.append("from ..types import " + ", ".join(models))
    for child in children:
        c = pascal(child)
        lines.append(f"from .{snake(c)} import {c}, Async{c}, {c}WithRawResponse, Async{c}WithRawResponse")
    lines.append(f'\n__all__ = ["{cls}", "Async{cls}"]\n')
    for asynchronous in (False, True):
        prefix = "Async" if asynchronous else ""
        bases = ["AsyncAPIResource" if asynchronous else "SyncAPIResource"]
        if name in MIXINS:
            bases.append(MIXINS[name][1])
        out = [f"\nclass {prefix}{cls}({', '.join(bases)}):"]
        if tag_doc:
            out.append(f'    """{doc(tag_doc, "    ").strip()}"""\n')
        for child in children:
            child_cls = prefix + pascal(child)
            attr = child.rsplit(".", 1)[-1]
            out.append(f"    @cached_property\n    def {attr}(self) -> {child_cls}:\n")
            out.append(f"        return {child_cls}(self._client)\n")
        out.append(
            f"    @cached_property\n    def with_raw_response(self) -> {prefix}{cls}WithRawResponse:\n"
            f'        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""\n'
            f"        return {prefix}{cls}WithRawResponse(self)\n"
        )
        for op in ops:
            out.append(render_method(op, asynchronous, unions))
        lines.append("\n".join(out))
        wrapper = "async_raw_wrapper" if asynchronous else "raw_wrapper"
        raw = [
            f"\nclass {prefix}{cls}WithRawResponse:",
            f"    def __init__(self, resource: {prefix}{cls}) -> None:",
            "        self._resource = resource",
        ]
        for op in ops:
            raw.append(f"        self.{op.method} = {wrapper}(resource.{op.method})")
        for child in children:
            attr = child.rsplit(".", 1)[-1]
            wrapped = f"{prefix}{pascal(child)}WithRawResponse"
            raw.append(
                f"\n    @cached_property\n    def {attr}(self) -> {wrapped}:\n"
                f"        return {wrapped}(self._resource.{attr})"
            )
        lines.append("\n".join(raw) + "\n")
    return "\n".join(lines)


def render_client_resources(top: list[str]) -> str:
    lines = [HEADER, '"""The top-level resources of both clients, imported when first used."""\n']
    lines.append("from __future__ import annotations\n\nfrom functools import cached_property")
    lines.append("from typing import TYPE_CHECKING\n")
    lines.append("if TYPE_CHECKING:")
    for name in top:
        lines.append(f"    from .{snake(pascal(name))} import {pascal(name)}, Async{pascal(name)}")
    lines.append('\n__all__ = ["AsyncResources", "Resources"]\n')
    for asynchronous in (False, True):
        prefix = "Async" if asynchronous else ""
        out = [f"\nclass {prefix}Resources:"]
        for name in top:
            cls = prefix + pascal(name)
            out.append(
                f"    @cached_property\n    def {name}(self) -> {cls}:\n"
                f"        from .{snake(pascal(name))} import {cls}\n\n"
                f"        return {cls}(self)  # type: ignore[arg-type]\n"
            )
        lines.append("\n".join(out))
    return "\n".join(lines)


def cli_option(p: Param, models: Models) -> tuple[list[str], str, str]:
    """Click decorator lines, the callback's parameter annotation, and the expression for the SDK."""
    flag = "--" + p.name.replace("_", "-")
    name = py_name(p.name)
    annotation = p.annotation.replace(" | None", "")
    help_text = repr(" ".join((p.description or "").split()))
    required = ", required=True" if p.required else ""

    def choices(type_name: str) -> str | None:
        literal = models.aliases.get(type_name, type_name)
        if literal.startswith("Literal["):
            return "click.Choice([" + literal[len("Literal[") : -1] + "])"
        return None

    if annotation == "list[AttachmentInputParam]":
        return (
            [
                f'@click.option("--attach", "{name}", multiple=True, metavar="FILE", help="File to attach (repeatable).")'
            ],
            "tuple[str, ...]",
            f"read_attachments({name})",
        )
    if annotation.startswith("list["):
        inner = annotation[len("list[") : -1]
        kind = choices(inner)
        typ = f", type={kind}" if kind else ""
        return (
            [f'@click.option("{flag}", "{name}", multiple=True{typ}{required}, help={help_text} + " (repeatable)")'],
            "tuple[str, ...]",
            f"list({name})",
        )
    if annotation.startswith("dict["):
        return (
            [f'@click.option("--header", "{name}", multiple=True, metavar="NAME=VALUE", help={help_text})'],
            "tuple[str, ...]",
            f'pairs({name}, "--header")',
        )
    if annotation == "bool":
        return (
            [f'@click.option("{flag}/--no-{flag[2:]}", "{name}", default=None, help={help_text})'],
            "bool | None",
            name,
        )
    if annotation == "int":
        return [f'@click.option("{flag}", "{name}", type=int{required}, help={help_text})'], "int | None", name
    if annotation == "datetime":
        return (
            [f'@click.option("{flag}", "{name}", type=TIMESTAMP{required}, help={help_text})'],
            "datetime | None",
            name,
        )
    kind = choices(annotation)
    typ = f", type={kind}" if kind else ""
    return [f'@click.option("{flag}", "{name}"{typ}{required}, help={help_text})'], "str | None", name


def group_help(ops: list[Operation], tags: dict[str, str], tag_of: dict[str, str]) -> str:
    """A command group's help: its tag's description, or for a group of sub-resource calls (`webhooks.deliveries`
    shares the Webhooks tag) what its calls do, so that it does not repeat its parent's help."""
    if all("." in op.resource for op in ops):
        parent, child = ops[0].resource.rsplit(".", 1)
        calls = ", ".join(op.summary[:1].lower() + op.summary[1:] for op in ops)
        return f"{child.replace('_', ' ').capitalize()} of {parent.replace('.', ' ').replace('_', ' ')}: {calls}."
    return tags.get(tag_of[ops[0].resource], "").split("\n\n")[0]


def render_cli(operations: list[Operation], models: Models, tags: dict[str, str], tag_of: dict[str, str]) -> str:
    groups: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        groups[op.resource.rsplit(".", 1)[-1]].append(op)
    lines = [HEADER, '"""The `mailman` commands, one group per resource and one command per operation."""\n']
    lines.append("from __future__ import annotations\n\nfrom datetime import datetime\n\nimport click\n")
    lines.append("from ._cli import TIMESTAMP, given_options, pairs, read_attachments, run")
    lines.append("from ._version import __version__\n")
    lines.append(
        "\n@click.group()\n"
        '@click.version_option(__version__, prog_name="mailman")\n'
        '@click.option("--base-url", metavar="URL", help="The API\'s URL (default: $MAILMAN_API_URL).")\n'
        '@click.option("--api-key", metavar="TOKEN", help="The API token (default: $MAILMAN_API_TOKEN).")\n'
        "def cli(base_url: str | None, api_key: str | None) -> None:\n"
        '    """Mailman from the command line (--base-url or MAILMAN_API_URL, and --api-key or MAILMAN_API_TOKEN,\n'
        '    say where and who)."""\n'
    )
    for group, ops in groups.items():
        group_fn = f"{group}_group"
        description = group_help(ops, tags, tag_of)
        lines.append(
            f'\n@cli.group("{group.replace("_", "-")}")\ndef {group_fn}() -> None:\n    """{doc(description, "    ").strip()}"""\n'
        )
        for op in ops:
            fn = f"{group}_{op.method}"
            path_order = re.findall(r"{(\w+)}", op.path)
            path_params = sorted((p for p in op.params if p.location == "path"), key=lambda p: path_order.index(p.name))
            decorators = [f'@{group_fn}.command("{op.method}")']
            params_sig = []
            for p in path_params:
                decorators.append(f'@click.argument("{p.name}")')
                params_sig.append(f"{p.name}: str")
            kwargs = []
            for p in op.params:
                if p.location == "path":
                    continue
                option_lines, annotation, expression = cli_option(p, models)
                decorators += option_lines
                params_sig.append(f"{py_name(p.name)}: {annotation}")
                kwargs.append(f"{py_name(p.name)!r}: {expression}")
            extra = []
            if op.returns.startswith("page:"):
                decorators.append(
                    '@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")'
                )
                params_sig.append("everything: bool")
                extra.append("everything=everything")
            if op.returns == "bytes":
                decorators.append(
                    '@click.option("--output", "-o", "to_file", metavar="FILE", help="Write the bytes to FILE.")'
                )
                params_sig.append("to_file: str | None")
                extra.append("to_file=to_file")
            decorators.append('@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")')
            params_sig.append("as_json: bool")
            call_args = [p.name for p in path_params]
            if kwargs:
                call_args.append("**given_options({" + ", ".join(kwargs) + "})")
            call = f"api.{op.resource}.{op.method}({', '.join(call_args)})"
            lines.append(
                "\n".join(decorators)
                + f"\ndef {fn}({', '.join(params_sig)}) -> None:\n"
                + f'    """{doc(op.summary, "    ").strip()}"""\n'
                + f"    run(lambda api: {call}, as_json{''.join(', ' + e for e in extra)})\n"
            )
    return "\n".join(lines)


def generate(out: Path) -> list[Path]:
    spec = yaml.safe_load(SPEC.read_text())
    models, operations = load(spec)
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    by_resource: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        by_resource[op.resource].append(op)
    tag_of = {}
    for item in spec["paths"].values():
        for m in METHODS:
            if m in item:
                tag_of.setdefault(item[m]["x-mailman-resource"], item[m]["tags"][0])
    written = []
    types_dir, resources_dir = out / "types", out / "resources"
    out.mkdir(parents=True, exist_ok=True)
    for folder in (types_dir, resources_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    (types_dir / "__init__.py").write_text(models.render())
    written.append(types_dir / "__init__.py")
    for resource, ops in by_resource.items():
        depth = resource.count(".") + 1
        children = sorted(r for r in by_resource if r.startswith(resource + ".") and r.count(".") == depth)
        tag_doc = tags.get(tag_of[resource], "").split("\n\n")[0] if "." not in resource else ""
        path = resources_dir / f"{snake(pascal(resource))}.py"
        path.write_text(render_resource(resource, ops, children, tag_doc, models))
        written.append(path)
    top = [r for r in by_resource if "." not in r]
    (resources_dir / "__init__.py").write_text(render_client_resources(top))
    written.append(resources_dir / "__init__.py")
    (out / "_cli_commands.py").write_text(render_cli(operations, models, tags, tag_of))
    written.append(out / "_cli_commands.py")
    ruff = [sys.executable, "-m", "ruff"]
    files = [str(path) for path in written]
    # Same rules wherever the output goes (the drift test writes to a temporary folder).
    settings = ["--isolated", "--line-length", "120", "--target-version", "py311"]
    fixes = ["--select", "I,F401,RUF022,RUF036", "--fix", "--exit-zero", "--quiet"]
    subprocess.run([*ruff, "check", *settings, *fixes, *files], check=True, capture_output=True)
    subprocess.run([*ruff, "format", *settings, "--quiet", *files], check=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PACKAGE, help="package directory to write into")
    args = parser.parse_args()
    for path in generate(args.out):
        print(path.relative_to(args.out))


if __name__ == "__main__":
    main()
