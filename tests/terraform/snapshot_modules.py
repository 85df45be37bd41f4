"""Write `modules.json`: the inputs and outputs of each pinned terraform-aws-modules module.

The registry is unreachable from CI, so the tests check `terraform/*.tf` against this snapshot instead.
Regenerate it when a pin in `terraform/` moves:

    python tests/terraform/snapshot_modules.py [--repos DIR]

DIR holds bare or normal clones named `terraform-aws-<name>` (or `terraform-aws-modules+terraform-aws-<name>/repo`);
without it each repository is cloned from GitHub into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "modules.json"

# registry source -> (repository, tag the `~>` pin in terraform/ resolves to today)
MODULES: dict[str, tuple[str, str]] = {
    "terraform-aws-modules/vpc/aws": ("terraform-aws-vpc", "v6.6.0"),
    "terraform-aws-modules/s3-bucket/aws": ("terraform-aws-s3-bucket", "v5.15.4"),
    "terraform-aws-modules/rds/aws": ("terraform-aws-rds", "v6.13.1"),
    "terraform-aws-modules/sqs/aws": ("terraform-aws-sqs", "v5.2.1"),
    "terraform-aws-modules/ecs/aws": ("terraform-aws-ecs", "v6.12.0"),
    "terraform-aws-modules/ecr/aws": ("terraform-aws-ecr", "v2.4.0"),
    "terraform-aws-modules/alb/aws": ("terraform-aws-alb", "v9.17.0"),
    "terraform-aws-modules/sns/aws": ("terraform-aws-sns", "v6.2.1"),
    "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm": ("terraform-aws-cloudwatch", "v5.7.2"),
    "terraform-aws-modules/iam/aws//modules/iam-oidc-provider": ("terraform-aws-iam", "v6.5.0"),
    "terraform-aws-modules/iam/aws//modules/iam-role": ("terraform-aws-iam", "v6.5.0"),
}

Schema = dict[str, Any]


class TypeParser:
    """A recursive-descent reader of Terraform type constraints: `map(object({ a = optional(string) }))`."""

    def __init__(self, text: str) -> None:
        self.tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*|-?\d+(?:\.\d+)?|[(){}\[\],=:]', text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token: str = self.tokens[self.pos]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, got {token!r} at {self.pos}")
        self.pos += 1
        return token

    def skip_value(self) -> None:
        """Skip a default value of `optional(type, default)`."""
        depth = 0
        while True:
            token = self.peek()
            if token is None or (depth == 0 and token in {",", ")"}):
                return
            if token in {"(", "{", "["}:
                depth += 1
            elif token in {")", "}", "]"}:
                depth -= 1
            self.pos += 1

    def parse(self) -> Schema:
        name = self.take()
        if name in {"string", "number", "bool", "any"}:
            return {"kind": name}
        self.take("(")
        if name == "optional":
            schema = self.parse()
            if self.peek() == ",":
                self.take(",")
                self.skip_value()
        elif name in {"list", "set", "map"}:
            schema = {"kind": name, "element": self.parse()}
        elif name == "object":
            self.take("{")
            attributes: dict[str, Schema] = {}
            while self.peek() != "}":
                key = self.take().strip('"')
                self.take("=")
                attributes[key] = self.parse()
                if self.peek() == ",":
                    self.take(",")
            self.take("}")
            schema = {"kind": "object", "attributes": attributes}
        elif name == "tuple":
            self.take("[")
            elements = []
            while self.peek() != "]":
                elements.append(self.parse())
                if self.peek() == ",":
                    self.take(",")
            self.take("]")
            schema = {"kind": "tuple", "elements": elements}
        else:
            raise ValueError(f"unknown type constructor {name!r}")
        self.take(")")
        return schema


def strip_comments(text: str) -> str:
    """Drop `#` and `//` comments outside double-quoted strings, keeping line breaks."""
    out: list[str] = []
    in_string = escaped = in_comment = False
    for i, char in enumerate(text):
        if in_comment:
            if char == "\n":
                in_comment = False
                out.append(char)
            continue
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            in_string = True
        elif char == "#" or text.startswith("//", i):
            in_comment = True
            continue
        out.append(char)
    return "".join(out)


def block_bodies(text: str, keyword: str) -> dict[str, str]:
    """`variable "x" { ... }` bodies by name, found by brace matching."""
    text = strip_comments(text)
    bodies: dict[str, str] = {}
    for match in re.finditer(rf'(?m)^{keyword}\s+"([^"]+)"\s*\{{', text):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies[match.group(1)] = text[match.end() : i - 1]
    return bodies


def type_text(body: str) -> str | None:
    """The text after `type =` up to the end of its bracketed expression."""
    match = re.search(r"(?m)^\s*type\s*=\s*", body)
    if match is None:
        return None
    i, depth = match.end(), 0
    while i < len(body):
        char = body[i]
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "\n" and depth == 0:
            break
        i += 1
    return body[match.end() : i]


def show(git_dir: Path, tag: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(git_dir), "show", f"{tag}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def snapshot(git_dir: Path, tag: str, subdir: str) -> dict[str, Any]:
    prefix = f"{subdir}/" if subdir else ""
    variables: dict[str, Schema] = {}
    for name, body in block_bodies(show(git_dir, tag, f"{prefix}variables.tf"), "variable").items():
        text = type_text(body)
        variables[name] = TypeParser(text).parse() if text else {"kind": "any"}
    outputs = sorted(block_bodies(show(git_dir, tag, f"{prefix}outputs.tf"), "output"))
    return {"tag": tag, "variables": variables, "outputs": outputs}


def locate(repos: Path | None, repository: str, scratch: Path) -> Path:
    if repos is not None:
        for candidate in (repos / repository, repos / f"terraform-aws-modules+{repository}" / "repo"):
            if candidate.exists():
                return candidate
    target = scratch / repository
    if not target.exists():
        url = f"https://github.com/terraform-aws-modules/{repository}.git"
        subprocess.run(["git", "clone", "--quiet", "--bare", url, str(target)], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=Path, help="directory with clones of the module repositories")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for source, (repository, tag) in MODULES.items():
            _, _, subdir = source.partition("//")
            result[source] = snapshot(locate(args.repos, repository, Path(scratch)), tag, subdir)
    SNAPSHOT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT.relative_to(Path.cwd()) if SNAPSHOT.is_relative_to(Path.cwd()) else SNAPSHOT}")


if __name__ == "__main__":
    main()
