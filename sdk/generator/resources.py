"""The resource classes (``resources/``): one module a resource, sync and async, with raw-response twins."""

from __future__ import annotations

import re
import textwrap

from models import Models
from source import HEADER, Imports, doc, pascal, py_name, snake
from spec import Operation

# Hand-written behaviour mixed into a generated resource: (module, sync class, async class).
MIXINS = {
    "webhooks": ("_webhooks", "WebhookHelpers", "WebhookHelpers"),
    "events": ("_stream", "EventStream", "AsyncEventStream"),
    "inboxes.messages": ("_waiting", "WaitForMessage", "AsyncWaitForMessage"),
}


def return_annotation(op: Operation, asynchronous: bool) -> str:
    if op.returns.startswith("page:"):
        model = op.returns.split(":", 1)[1]
        return f"AsyncPaginator[{model}]" if asynchronous else f"SyncCursorPage[{model}]"
    return op.returns


def listing(annotation: str) -> str:
    """``list[...]`` as ``List[...]``: inside a class with a ``list`` method, ``list`` names the method."""
    return re.sub(r"\blist\[", "List[", annotation)


def render_method(op: Operation, asynchronous: bool, unions: set[str], imports: Imports, models: set[str]) -> str:
    path_params = [p for p in op.params if p.location == "path"]
    path_order = re.findall(r"{(\w+)}", op.path)
    path_params.sort(key=lambda p: path_order.index(p.name))
    keyword_params = [p for p in op.params if p.location != "path"]
    keyword_params.sort(key=lambda p: not p.required)
    signature = ["self"] + [f"{p.name}: str" for p in path_params]
    signature.append("*")
    imports.add(".._types", "NOT_GIVEN", "NotGiven", "Headers", "Timeout")
    for p in keyword_params:
        imports.add_annotation(listing(p.annotation), models)
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
    imports.add(".._base_client", "RequestOptions")
    if path_params:
        imports.add(".._resource", "path_param")
    if query:
        imports.add(".._types", "query")
        options.append("params=query({" + ", ".join(f"{p.name!r}: {py_name(p.name)}" for p in query) + "})")
    if body:
        imports.add(".._types", "given")
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
        imports.add(".._pagination", page, "AsyncPaginator" if asynchronous else "SyncCursorPage")
        imports.add("..types", model)
        prefix = "def"
        result = f"return self._list({request}, {page}[{model}])"
    else:
        prefix = "async def" if asynchronous else "def"
        if op.returns == "None":
            result = f"{awaiting}self._request({request}, type(None))"
        elif op.returns in unions:
            imports.add("typing", "cast")
            imports.add("..types", op.returns)
            result = f'return cast("{op.returns}", {awaiting}self._request_any({request}, {op.returns}))'
        else:
            result = f"return {awaiting}self._request({request}, {op.returns})"
            if op.returns != "bytes":
                imports.add("..types", op.returns)
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
    imports = Imports("..types")
    lines = [HEADER, f'"""The `{name}` resource{": " + tag_doc if tag_doc else ""}."""\n']
    if name in MIXINS:
        module, *mixins = MIXINS[name]
        imports.add(f"..{module}", *sorted(set(mixins)))
    for child in children:
        c = pascal(child)
        imports.add(f".{snake(c)}", c, f"Async{c}", f"{c}WithRawResponse", f"Async{c}WithRawResponse")
    imports.add("functools", "cached_property")
    imports.add(".._resource", "SyncAPIResource", "AsyncAPIResource")
    if ops:
        imports.add(".._response", "raw_wrapper", "async_raw_wrapper")
    body: list[str] = []
    body.append(f'\n__all__ = ["{cls}", "Async{cls}"]\n')
    for asynchronous in (False, True):
        prefix = "Async" if asynchronous else ""
        bases = ["AsyncAPIResource" if asynchronous else "SyncAPIResource"]
        if name in MIXINS:
            bases.append(MIXINS[name][2 if asynchronous else 1])
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
            out.append(render_method(op, asynchronous, unions, imports, known))
        body.append("\n".join(out))
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
        body.append("\n".join(raw) + "\n")
    return "\n".join([*lines, imports.render(), *body])


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
