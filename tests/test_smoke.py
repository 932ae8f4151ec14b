"""The package installs and its command line answers."""

import json
import subprocess
import sys


def test_schema_command_prints_the_definition_schema():
    out = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "schema"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["$id"] == "statewright/v1"
