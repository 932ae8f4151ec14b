"""Instances and their log: the `Ledger` every service writes and reads through."""

from runtime.instances.access import InstanceAccess
from runtime.instances.definition_cache import DefinitionCache
from runtime.instances.ledger import Ledger, PersistHook

__all__ = ["DefinitionCache", "InstanceAccess", "Ledger", "PersistHook"]
