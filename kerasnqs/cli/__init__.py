"""The `kerasnqs` command line: `kerasnqs <command> [options]`.

Each sub-command is a module with `add_parser(subparsers)` and `run(args)`, listed in
`kerasnqs.cli.main.COMMANDS`.
"""
