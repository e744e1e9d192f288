"""`kerasnqs zoo list`, `kerasnqs zoo info NAME` and `kerasnqs zoo recipe NAME`: the
pretrained models of the zoo.

`kerasnqs evaluate NAME` (in `kerasnqs.cli.evaluate`) estimates a zoo model's energy.
"""

from kerasnqs.recipes.system import describe


def add_parser(subparsers):
    """Adds the `zoo` sub-command (with `list` and `info`) to `subparsers`; returns its parser."""
    parser = subparsers.add_parser(
        "zoo",
        help="list and describe the pretrained models",
        description="The pretrained models shipped with kerasnqs. Load one in Python with "
        "kerasnqs.zoo.load(NAME); estimate its energy with `kerasnqs evaluate NAME`.",
    )
    commands = parser.add_subparsers(dest="zoo_command", metavar="<zoo command>", required=True)
    commands.add_parser(
        "list", help="a table of the models", description="Prints a table of the zoo models."
    ).set_defaults(zoo_run=run_list)
    info = commands.add_parser(
        "info",
        help="the metadata of one model",
        description="Prints the metadata of a zoo model: system, model, energy, recipe.",
    )
    info.add_argument("model", help="a zoo model name (see `kerasnqs zoo list`) or folder")
    info.set_defaults(zoo_run=run_info)
    recipe = commands.add_parser(
        "recipe",
        help="the training settings of one model, as a config file",
        description="Prints the settings a zoo model was trained with as a TOML file for "
        "`kerasnqs train --config`: `kerasnqs zoo recipe NAME > NAME.toml`, then "
        "`kerasnqs train --config NAME.toml --out DIR` trains it again.",
    )
    recipe.add_argument("model", help="a zoo model name (see `kerasnqs zoo list`) or folder")
    recipe.set_defaults(zoo_run=run_recipe)
    return parser


def run(args):
    """Runs `kerasnqs zoo list` or `kerasnqs zoo info`."""
    return args.zoo_run(args)


def run_list(args):
    """Prints one row per zoo model: name, system, sites, energy ± error, relative error."""
    from kerasnqs import zoo

    header = ("name", "system", "sites", "energy", "rel. error")
    rows = [_row(name, zoo.info(name)) for name in zoo.available()]
    if not rows:
        print("the zoo has no models")
        return 0
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = [
            cell.rjust(width) if i >= 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    return 0


def run_info(args):
    """Prints the metadata of one zoo model, one labelled line per item."""
    from kerasnqs import zoo
    from kerasnqs.zoo.registry import find

    lines = list(_info_lines(zoo.info(args.model), find(args.model)))
    width = max(len(label) for label, _ in lines) + 2
    for label, value in lines:
        print(f"{label + ':':<{width}}{value}")
    return 0


def run_recipe(args):
    """Prints the recipe of one zoo model (`kerasnqs.zoo.recipe`) as a `kerasnqs train
    --config` file, after comments that name the model and say how to train it."""
    from kerasnqs import zoo

    recipe = zoo.recipe(args.model)
    name = zoo.info(args.model)["name"]
    comments = [
        f"Zoo model {name}: the settings of `kerasnqs train` it was trained with.",
        "Train it again with",
        f"  kerasnqs zoo recipe {name} > {name}.toml",
        f"  kerasnqs train --config {name}.toml --out runs/{name}",
    ]
    print(recipe.to_toml(comments), end="")
    return 0


def _row(name, metadata):
    from kerasnqs import operators

    operator = operators.from_config(metadata["hamiltonian"])
    return (name, describe(operator), str(operator.n_sites), _energy(metadata), _relative(metadata))


def _energy(metadata):
    energy = metadata["energy"]
    return f"{energy['mean']:.6f} ± {energy['error_of_mean']:.1e}"


def _relative(metadata):
    relative_error = metadata.get("relative_error")
    return "-" if relative_error is None else f"{relative_error:.1e}"


def _info_lines(metadata, folder):
    """Yields `(label, text)` pairs describing the metadata of a zoo model."""
    from kerasnqs import operators

    operator = operators.from_config(metadata["hamiltonian"])
    model = metadata["model"]
    energy = metadata["energy"]
    arguments = {key: value for key, value in model["arguments"].items() if key != "lattice"}
    yield "name", metadata["name"]
    yield "description", metadata["description"]
    yield "system", f"{describe(operator)} ({operator.n_sites} sites)"
    call = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    class_name = model["class"].rpartition(">")[2]
    yield "model", f"{class_name}({call}), {model['n_parameters']} parameters"
    yield (
        "energy",
        f"{energy['mean']:.10g} ± {energy['error_of_mean']:.2g} "
        f"(variance {energy['variance']:.3g}, {energy['n_samples']} samples)",
    )
    if metadata.get("exact_energy") is not None:
        yield "exact energy", f"{metadata['exact_energy']:.10g} ({metadata['exact_source']})"
        yield "relative error", _relative(metadata)
    elif metadata.get("exact_source"):
        yield "exact energy", metadata["exact_source"]
    if metadata.get("v_score") is not None:
        yield "V-score", f"{metadata['v_score']:.2e} (N Var(E) / E^2)"
    for key, value in (metadata.get("recipe") or {}).items():
        if key == "file":  # The recipe file stays in the repository, out of the package.
            value = f"`kerasnqs zoo recipe {metadata['name']}` prints it"
        yield f"recipe {key.replace('_', ' ')}" if key != "file" else "recipe", _compact(value)
    if metadata.get("wall_time_s") is not None:
        yield "wall time", f"{metadata['wall_time_s']:.1f} s"
    hardware = metadata.get("hardware") or {}
    yield "hardware", ", ".join(f"{key} {value}" for key, value in hardware.items() if value)
    yield "kerasnqs", f"{metadata.get('kerasnqs_version')} (format {metadata['format_version']})"
    yield "created", metadata.get("created")
    yield "weights sha256", metadata.get("weights_sha256")
    yield "folder", str(folder)


def _compact(value):
    """A value on one line: dicts as `key=value` pairs, the rest as they print."""
    if isinstance(value, dict):
        return ", ".join(f"{key}={_compact(item)}" for key, item in value.items())
    return str(value)
