"""The `mailman` command groups (``_cli_commands.py``): a group a resource, nested as the resources are."""

from __future__ import annotations

import re

from models import Models
from source import HEADER, Imports, doc, py_name
from spec import Api, Operation, Param, SpecError

# Sub-resources that the command line spelled by their last name alone before its groups were nested
# (`mailman messages send`, `mailman deliveries retry`). Those spellings still work, unlisted; a sub-resource
# added since has its nested spelling only, and so has a verb added since to one whose old spelling was
# command by command (`mailman inboxes messages batch`; `mailman deliveries` stands for its whole group).
FLATTENED = {
    "inboxes.messages": ("list", "send"),
    "inboxes.threads": ("list",),
    "webhooks.deliveries": ("list", "retry"),
}
# The commands that `_cli.py` adds by hand (`mailman inboxes messages tail`, and its old spelling; `mailman events
# tail`), in their groups.
HAND_WRITTEN = {"inboxes.messages": ("tail",), "messages": ("tail",), "events": ("tail",)}


def cli_option(p: Param, models: Models, imports: Imports) -> tuple[list[str], str, str]:
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
        imports.add("._cli_support", "read_attachments")
        return (
            [
                f'@click.option("--attach", "{name}", multiple=True, metavar="FILE", help="File to attach (repeatable).")'
            ],
            "tuple[str, ...]",
            f"read_attachments({name})",
        )
    if annotation.startswith("list[") and annotation.endswith("Param]"):  # objects, such as a batch's messages
        imports.add("._cli_support", "json_objects")
        flag = flag.removesuffix("s")
        return (
            [
                f'@click.option("{flag}", "{name}", multiple=True{required}, metavar="JSON", '
                f'help={help_text} + " One JSON object each (repeatable).")'
            ],
            "tuple[str, ...]",
            f'json_objects({name}, "{flag}")',
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
        imports.add("._cli_support", "pairs")
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
    if annotation == "float":
        return [f'@click.option("{flag}", "{name}", type=float{required}, help={help_text})'], "float | None", name
    if annotation == "datetime":
        imports.add("._cli_support", "TIMESTAMP")
        imports.add("datetime", "datetime")
        return (
            [f'@click.option("{flag}", "{name}", type=TIMESTAMP{required}, help={help_text})'],
            "datetime | None",
            name,
        )
    kind = choices(annotation)
    typ = f", type={kind}" if kind else ""
    return [f'@click.option("{flag}", "{name}"{typ}{required}, help={help_text})'], "str | None", name


def group_help(resource: str, ops: list[Operation], api: Api) -> str:
    """A command group's help: its tag's description, or for a sub-resource (`webhooks.deliveries` shares the
    Webhooks tag) what its calls do, so that it does not repeat its parent's help."""
    if "." not in resource:
        return api.resource_help.get(resource, "").split("\n\n")[0]
    parent, child = resource.rsplit(".", 1)
    calls = ", ".join(op.summary[:1].lower() + op.summary[1:] for op in ops)
    return f"{child.replace('_', ' ').capitalize()} of {parent.replace('.', ' ').replace('_', ' ')}: {calls}."


def command_name(segment: str) -> str:
    return segment.replace("_", "-")


def variable(resource: str) -> str:
    """The Python name of a resource's group: `inboxes_messages_group` for `inboxes.messages`."""
    return resource.replace(".", "_") + "_group"


def function(op: Operation) -> str:
    """The Python name of an operation's command: `inboxes_messages_list`."""
    return f"{op.resource.replace('.', '_')}_{op.method}"


def render_command(op: Operation, models: Models, imports: Imports) -> str:
    group_var = variable(op.resource)
    fn = function(op)
    path_order = re.findall(r"{(\w+)}", op.path)
    path_params = sorted((p for p in op.params if p.location == "path"), key=lambda p: path_order.index(p.name))
    decorators = [f'@{group_var}.command("{command_name(op.method)}")']
    params_sig = []
    for p in path_params:
        decorators.append(f'@click.argument("{p.name}")')
        params_sig.append(f"{p.name}: str")
    kwargs = []
    for p in op.params:
        if p.location == "path":
            continue
        option_lines, annotation, expression = cli_option(p, models, imports)
        decorators += option_lines
        params_sig.append(f"{py_name(p.name)}: {annotation}")
        kwargs.append(f"{py_name(p.name)!r}: {expression}")
    extra = []
    if op.returns.startswith("page:"):
        decorators.append('@click.option("--all", "everything", is_flag=True, help="Every page, not just the first.")')
        params_sig.append("everything: bool")
        extra.append("everything=everything")
    if op.returns == "bytes":
        decorators.append('@click.option("--output", "-o", "to_file", metavar="FILE", help="Write the bytes to FILE.")')
        params_sig.append("to_file: str | None")
        extra.append("to_file=to_file")
    decorators.append('@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")')
    params_sig.append("as_json: bool")
    call_args = [p.name for p in path_params]
    if kwargs:
        imports.add("._cli_support", "given_options")
        call_args.append("**given_options({" + ", ".join(kwargs) + "})")
    imports.add("._cli_support", "run")
    call = f"api.{op.resource}.{op.method}({', '.join(call_args)})"
    return (
        "\n".join(decorators)
        + f"\ndef {fn}({', '.join(params_sig)}) -> None:\n"
        + f'    """{doc(op.summary, "    ").strip()}"""\n'
        + f"    run(lambda api: {call}, as_json{''.join(', ' + e for e in extra)})\n"
    )


def render_cli(api: Api) -> str:
    """`_cli_commands.py`: a group a resource (each sub-resource's inside its parent's), a command an operation.

    A name in a group stands for one thing: a verb, or a sub-resource's group. Two of them with one name, or an
    old flattened spelling that a newer command has taken, is an error here rather than one hiding the other.
    """
    by_resource = api.by_resource()
    imports = Imports()
    imports.add_module("click")
    imports.add("._cli_support", "Group")
    names: dict[str, dict[str, str]] = {"": {}}  # in each group (the top one is ""): name -> what it is
    body: list[str] = []
    python_names: dict[str, str] = {}  # `inboxes_messages_group` and `inboxes_messages_list` and the like

    def define(python_name: str, what: str) -> None:
        if python_name in python_names:
            raise SpecError(f"{python_names[python_name]} and {what} would both be {python_name} in _cli_commands.py")
        python_names[python_name] = what

    def claim(group: str, name: str, what: str) -> None:
        taken = names.setdefault(group, {})
        if name in taken:
            where = f"mailman {group.replace('.', ' ')} {name}".replace("  ", " ")
            raise SpecError(f"`{where}` would be both {taken[name]} and {what}")
        taken[name] = what

    def add_group(resource: str) -> None:
        if resource in names:
            return
        parent, _, segment = resource.rpartition(".")
        if parent:
            add_group(parent)
        claim(parent, command_name(segment), f"the group of {resource}")
        names[resource] = {}
        define(variable(resource), f"the group of {resource}")
        description = doc(group_help(resource, by_resource.get(resource, []), api), "    ").strip()
        var = variable(resource)
        text = f'"""{description}"""' if "\n" in description else repr(description)
        body.append(f'\n{var} = Group("{command_name(segment)}", help={text})')
        if parent:
            body.append(f"{variable(parent)}.add_command({var})")
        body.append("")

    for resource, ops in by_resource.items():
        add_group(resource)
        for op in ops:
            claim(resource, command_name(op.method), f"{op.resource}.{op.method}")
            define(function(op), f"{op.resource}.{op.method}")
            body.append(render_command(op, api.models, imports))

    for group, commands in HAND_WRITTEN.items():
        for name in commands:
            claim(group, name, "a command of _cli.py")

    aliases = ["\n# The spellings of before the groups were nested, unlisted (see FLATTENED in sdk/generator/cli.py)."]
    top_aliases: list[str] = []
    for resource in FLATTENED:
        if resource not in by_resource:
            raise SpecError(f"FLATTENED names {resource}, which openapi.yaml no longer has")
        owner = resource.rsplit(".", 1)[-1]
        if owner in by_resource:  # `messages` is a resource too: its group answers to the sub-resource's verbs
            for op in by_resource[resource]:
                if op.method not in FLATTENED[resource]:
                    continue
                claim(owner, command_name(op.method), f"the old spelling of {resource}.{op.method}")
                aliases.append(f'{variable(owner)}.add_alias("{command_name(op.method)}", {function(op)})')
        else:
            claim("", command_name(owner), f"the old spelling of the group of {resource}")
            top_aliases.append(f'"{command_name(owner)}": {variable(resource)}')

    top = [variable(r) for r in names if r and "." not in r]
    lines = [
        HEADER,
        '"""The `mailman` command groups, one a resource, nested as the resources are (`_cli.py` puts them together)."""\n',
    ]
    lines.append(imports.render())
    lines += body
    lines += aliases
    lines.append(
        "\n# The top-level groups, and the old spellings that stand for a whole group; `_cli.py` adds them to `mailman`."
    )
    lines.append(f"GROUPS: list[click.Group] = [{', '.join(top)}]")
    lines.append(f"ALIASES: dict[str, click.Command] = {{{', '.join(top_aliases)}}}")
    lines.append("")
    return "\n".join(lines)
