"""Commands on definition documents: schema, validate, publish."""

import json

from runtime.cli import app
from shared.definition import json_schema


@app.command()
def schema() -> None:
    """Print the JSON Schema of the statewright/v1 definition format."""
    print(json.dumps(json_schema(), indent=2))
