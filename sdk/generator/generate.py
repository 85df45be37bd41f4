"""Generate the SDK's models (``types/``), resource classes (``resources/``) and CLI commands from openapi.yaml.

Run by ``nox -s generate`` (``python sdk/generator/generate.py [--out DIR]``). The output is formatted
with ruff, so regenerating an unchanged spec gives byte-identical files; CI checks that it does.

The parts, beside this file: ``spec.py`` reads openapi.yaml, ``models.py`` writes ``types/``, ``resources.py``
writes ``resources/``, ``cli.py`` writes ``_cli_commands.py``; ``source.py`` holds what they all write with.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from cli import render_cli
from resources import render_client_resources, render_resource
from source import pascal, snake
from spec import SpecError, load

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
PACKAGE = ROOT / "sdk" / "src" / "mailman_sdk"


def generate(out: Path) -> list[Path]:
    api = load(yaml.safe_load(SPEC.read_text()))
    by_resource = api.by_resource()
    cli = render_cli(api)  # before anything is written: it refuses names that stand for two commands
    written = []
    types_dir, resources_dir = out / "types", out / "resources"
    out.mkdir(parents=True, exist_ok=True)
    for folder in (types_dir, resources_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    (types_dir / "__init__.py").write_text(api.models.render())
    written.append(types_dir / "__init__.py")
    for resource, ops in by_resource.items():
        depth = resource.count(".") + 1
        children = sorted(r for r in by_resource if r.startswith(resource + ".") and r.count(".") == depth)
        tag_doc = api.resource_help.get(resource, "").split("\n\n")[0] if "." not in resource else ""
        path = resources_dir / f"{snake(pascal(resource))}.py"
        path.write_text(render_resource(resource, ops, children, tag_doc, api.models))
        written.append(path)
    top = [r for r in by_resource if "." not in r]
    (resources_dir / "__init__.py").write_text(render_client_resources(top))
    written.append(resources_dir / "__init__.py")
    (out / "_cli_commands.py").write_text(cli)
    written.append(out / "_cli_commands.py")
    format_files(written)
    return written


def format_files(paths: list[Path]) -> None:
    """ruff's formatting and import order; an import that the file does not use is the generator's bug."""
    ruff = [sys.executable, "-m", "ruff"]
    files = [str(path) for path in paths]
    # Same rules wherever the output goes (the drift test writes to a temporary folder).
    settings = ["--isolated", "--line-length", "120", "--target-version", "py311"]
    fixes = ["--select", "I,RUF022,RUF036", "--fix", "--exit-zero", "--quiet"]
    subprocess.run([*ruff, "check", *settings, *fixes, *files], check=True, capture_output=True)
    unused = subprocess.run([*ruff, "check", *settings, "--select", "F401", *files], capture_output=True, text=True)
    if unused.returncode != 0:
        raise SystemExit(f"the generator wrote imports that are not used:\n{unused.stdout}")
    subprocess.run([*ruff, "format", *settings, "--quiet", *files], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PACKAGE, help="package directory to write into")
    args = parser.parse_args()
    try:
        written = generate(args.out)
    except SpecError as exc:
        raise SystemExit(f"openapi.yaml: {exc}") from None
    for path in written:
        print(path.relative_to(args.out))


if __name__ == "__main__":
    main()
