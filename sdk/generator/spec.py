"""Reading openapi.yaml: its schemas (as Models) and its operations, each with its resource, verb and parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import Models
from source import pascal, ref_name

METHODS = ("get", "post", "put", "patch", "delete")
# Verbs that list things return cursor pages.
PAGE_SUFFIX = "List"


class SpecError(ValueError):
    """openapi.yaml says something the SDK cannot be generated from (two calls with one name, say)."""


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


@dataclass
class Api:
    """What the generator makes files from."""

    models: Models
    operations: list[Operation]
    resource_help: dict[str, str]  # each resource's tag's description (sub-resources share their parent's tag)

    def by_resource(self) -> dict[str, list[Operation]]:
        """The operations of each resource (dotted: `inboxes.messages`), in the spec's order."""
        result: dict[str, list[Operation]] = {}
        for op in self.operations:
            result.setdefault(op.resource, []).append(op)
        return result


def load(spec: dict[str, Any]) -> Api:
    """The spec's models and operations."""
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
    # A top body's properties become keyword arguments; one found inside another body (a batch's items) is a
    # TypedDict like any other request-only schema.
    nested_bodies: set[str] = set()
    for name in top_bodies:
        collect_refs(schemas[name].get("properties", {}), spec, nested_bodies)
    request_only = (request_refs - response_refs) - (top_bodies - nested_bodies)
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
            if op.get("x-mailman-sdk") == "hand-written":
                continue  # streams: sdk/src/mailman_sdk/_stream.py, mixed into the resource (resources.MIXINS)
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
    names: dict[tuple[str, str], Operation] = {}
    for op in operations:
        if (op.resource, op.method) in names:
            first = names[op.resource, op.method]
            raise SpecError(
                f"{first.http_method} {first.path} and {op.http_method} {op.path} are both {op.resource}.{op.method}"
            )
        names[op.resource, op.method] = op
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    resource_help: dict[str, str] = {}
    for item in spec["paths"].values():
        for m in METHODS:
            if m in item:
                resource_help.setdefault(item[m]["x-mailman-resource"], tags.get(item[m]["tags"][0], ""))
    return Api(models, operations, resource_help)
