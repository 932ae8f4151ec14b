"""Whether tracing is on, and where spans go: read from the standard `OTEL_*` variables only.

Tracing is on when an exporter is named: `OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_TRACES_EXPORTER` (unless it is `none`), and
`OTEL_SDK_DISABLED` is not `true`. Everything else (`OTEL_SERVICE_NAME`,
`OTEL_TRACES_SAMPLER`, headers, timeouts, `OTEL_BSP_*`) the SDK reads itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from runtime.core.errors import EngineError

ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
PROTOCOLS = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
KNOWN_PROTOCOLS = ("http/protobuf", "grpc")
KNOWN_EXPORTERS = ("otlp", "console", "none")


class TracingSettingsError(EngineError):
    """An `OTEL_*` variable names something this runtime cannot export with."""


def tracing_on(env: Mapping[str, str]) -> bool:
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    named = env.get("OTEL_TRACES_EXPORTER", "").strip()
    if named:
        return exporters(env) != []
    return any(env.get(name, "").strip() for name in ENDPOINTS)


def exporters(env: Mapping[str, str]) -> list[str]:
    """The exporters `OTEL_TRACES_EXPORTER` names (default `otlp`), without `none`."""
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
    for name in names:
        if name not in KNOWN_EXPORTERS:
            raise TracingSettingsError(
                f"OTEL_TRACES_EXPORTER={name!r} is not one of {', '.join(KNOWN_EXPORTERS)}",
                {"variable": "OTEL_TRACES_EXPORTER"})
    return [n for n in dict.fromkeys(names) if n != "none"]


def protocol(env: Mapping[str, str]) -> str:
    """The OTLP protocol: the traces-specific variable first, `http/protobuf` by default."""
    for variable in PROTOCOLS:
        value = env.get(variable, "").strip().lower()
        if value:
            if value not in KNOWN_PROTOCOLS:
                raise TracingSettingsError(
                    f"{variable}={value!r} is not one of {', '.join(KNOWN_PROTOCOLS)}",
                    {"variable": variable})
            return value
    return "http/protobuf"

