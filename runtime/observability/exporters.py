"""The SDK parts the environment names: the span exporters and the service's resource."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from runtime.observability import settings

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import SpanExporter

DEFAULT_SERVICE = "statewright"


def span_exporters(env: Mapping[str, str]) -> list[SpanExporter]:
    """One exporter per name in `OTEL_TRACES_EXPORTER`; each reads its endpoint, headers,
    timeout and TLS settings from the `OTEL_EXPORTER_OTLP_*` variables itself."""
    made: list[SpanExporter] = []
    for name in settings.exporters(env):
        if name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            made.append(ConsoleSpanExporter())
        elif settings.protocol(env) == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            made.append(OTLPSpanExporter())
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter as HttpExporter,
            )

            made.append(HttpExporter())
    return made


def service_resource(env: Mapping[str, str]) -> Resource:
    """`OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, with `statewright` as the name
    when neither gives one (the SDK's default would be `unknown_service`)."""
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource

    attributes: dict[str, str] = {}
    with contextlib.suppress(PackageNotFoundError):
        attributes[SERVICE_VERSION] = version("statewright")
    named = env.get("OTEL_SERVICE_NAME", "").strip() or any(
        part.strip().startswith(f"{SERVICE_NAME}=")
        for part in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","))
    if not named:
        attributes[SERVICE_NAME] = DEFAULT_SERVICE
    return Resource.create(attributes)
