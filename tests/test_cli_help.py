"""What `--help` tells a new user."""

import re

import pytest

from kerasnqs.cli.main import main
from kerasnqs.recipes.system import DEFAULTS


def _help(capsys, *argv):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # undo argparse's line wrapping


@pytest.mark.parametrize("command", ["train", "exact"])
def test_help_shows_the_real_default_of_every_system_flag(command, capsys):
    text = _help(capsys, command).partition(" options: ")[2]
    assert "(default: None)" not in text
    for flag in ("system", "lattice", "size", "h", "j2"):
        described = re.search(rf"--{flag} \S+ (.*?)(?= --|$)", text)
        assert described, flag
        assert f"(default: {DEFAULTS[flag]})" in described.group(1), flag
