"""The spec's schemas as Python types (``types/__init__.py``): response models, request TypedDicts, literal aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from source import HEADER, Imports, doc, pascal, py_name, ref_name


@dataclass
class Models:
    """Python types for the spec's schemas: response models, request TypedDicts, literal aliases."""

    schemas: dict[str, Any]
    request_only: set[str]
    emitted: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    imports: Imports = field(default_factory=Imports)  # of types/__init__.py

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
        elif "anyOf" in schema:  # inline alternatives, such as a time or an id
            members = [self.annotation(member, owner, prop, params=params) for member in schema["anyOf"]]
            base = " | ".join(dict.fromkeys(members))
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
            self.imports.add("typing", "Annotated")
            self.imports.add("pydantic", "Field")
            self.order.append(name)
            return
        if schema.get("type") == "string":
            if "enum" in schema:  # plain strings (Recipient, Label) are written as str where used
                self.aliases[name] = "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
                self.imports.add("typing", "Literal")
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
            self.imports.add_annotation(annotation, set())
            description = sub.get("description") or self.resolve(sub).get("description")
            if params:
                wrapped = annotation if prop in required else f"NotRequired[{annotation}]"
                lines.append(f"    {py_name(prop)}: {wrapped}")
                if prop not in required:
                    self.imports.add("typing", "NotRequired")
            elif prop in required:
                alias = f" = Field(alias={prop!r})" if py_name(prop) != prop else ""
                if alias:
                    self.imports.add("pydantic", "Field")
                lines.append(f"    {py_name(prop)}: {annotation}{alias}")
            else:
                default = f"Field(default=None, alias={prop!r})" if py_name(prop) != prop else "None"
                if default != "None":
                    self.imports.add("pydantic", "Field")
                optional = annotation if annotation.endswith("| None") else f"{annotation} | None"
                lines.append(f"    {py_name(prop)}: {optional} = {default}")
            if description:
                lines.append(f'    """{doc(description, "    ").strip()}"""')
        base = "TypedDict" if params else "BaseModel"
        self.imports.add("typing_extensions" if params else ".._models", base)
        description = doc(schema.get("description"), "    ").strip()
        body = (f'    """{description}"""\n\n' if description else "") + ("\n".join(lines) or "    pass")
        self.emitted[name] = f"class {name}({base}):\n{body}\n"
        self.order.append(name)

    def render(self) -> str:
        parts = [HEADER, '"""Models of the Mailman API, one class per schema of openapi.yaml."""\n']
        body = [
            f"{name} = {self.aliases[name]}\n" if name in self.aliases else self.emitted[name] for name in self.order
        ]
        parts.append(self.imports.render())
        parts += body
        exported = list(self.order)
        parts.append("__all__ = [" + ", ".join(repr(n) for n in sorted(exported)) + "]\n")
        return "\n\n".join(parts)
