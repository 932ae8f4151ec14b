"""What the designer and the runtime share: the definition model, validation and guards."""

from shared.definition import SCHEMA_ID, Definition, State, Transition, json_schema

__all__ = ["SCHEMA_ID", "Definition", "State", "Transition", "json_schema"]
