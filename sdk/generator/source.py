"""What every generated file is written with: its header, names in Python's spelling, docstrings, imports."""

from __future__ import annotations

import keyword
import re
import textwrap
from collections import defaultdict

HEADER = "# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.\n"
# Where the names that generated annotations may use come from (models come from `..types`, see Imports).
ANNOTATION_NAMES = {
    "datetime": "datetime",
    "Annotated": "typing",
    "Any": "typing",
    "List": "typing",
    "Literal": "typing",
    "NotRequired": "typing",
}


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


class Imports:
    """The imports of one generated file, each added by the code that writes a use of it.

    ``render`` gives them all in one block; ruff sorts it (`I`), and the generator fails if any is unused.
    """

    def __init__(self, models_module: str = "") -> None:
        self.models_module = models_module  # where model names found in annotations come from
        self.names: dict[str, set[str]] = defaultdict(set)
        self.modules: set[str] = set()

    def add(self, module: str, *names: str) -> None:
        self.names[module].update(names)

    def add_module(self, module: str) -> None:
        self.modules.add(module)

    def add_annotation(self, annotation: str, models: set[str]) -> None:
        """What an annotation such as ``list[Recipient] | None`` or ``Literal['a', 'b']`` names."""
        code = re.sub(r"'[^']*'|\"[^\"]*\"", "", annotation)  # a literal's values are not names
        for name in re.findall(r"[A-Za-z_]\w*", code):
            if name in ANNOTATION_NAMES:
                self.add(ANNOTATION_NAMES[name], name)
            elif name in models:
                self.add(self.models_module, name)

    def render(self) -> str:
        lines = ["from __future__ import annotations\n"]
        lines += [f"import {module}" for module in sorted(self.modules)]
        lines += [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(self.names.items())]
        return "\n".join(lines) + "\n"
