"""A real OTLP trace receiver in this process, over HTTP/protobuf or gRPC: the tracing
benchmark exports to it, and the tests read back what arrived.

It decodes each `ExportTraceServiceRequest` with the OpenTelemetry protobuf classes and keeps
the spans as plain dicts (ids as hex strings, attributes as Python values).
"""

from __future__ import annotations

import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

PROTOCOLS = ("http/protobuf", "grpc")


class OtlpReceiver:
    """`with OtlpReceiver("grpc") as receiver:` listens on 127.0.0.1 at a free port; point
    `OTEL_EXPORTER_OTLP_ENDPOINT` at `receiver.endpoint`."""

    def __init__(self, protocol: str = "http/protobuf") -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.spans: list[dict[str, Any]] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stop: Any = None
        self.endpoint = ""

    def __enter__(self) -> OtlpReceiver:
        if self.protocol == "grpc":
            server = futures.ThreadPoolExecutor(max_workers=4)
            grpc_server = _grpc_server(self, server)
            port = grpc_server.add_insecure_port("127.0.0.1:0")
            grpc_server.start()
            self.endpoint = f"http://127.0.0.1:{port}"
            self._stop = lambda: (grpc_server.stop(None), server.shutdown(wait=False))
        else:
            http = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(self))
            threading.Thread(target=http.serve_forever, daemon=True).start()
            self.endpoint = f"http://127.0.0.1:{http.server_address[1]}"
            self._stop = lambda: (http.shutdown(), http.server_close())
        return self

    def __exit__(self, *_: object) -> None:
        self._stop()

    def take(self, request: trace_service_pb2.ExportTraceServiceRequest) -> None:
        """Keep the spans of one export request."""
        found = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                found.extend(_span(s, resource) for s in scope_spans.spans)
        with self._arrived:
            self.requests += 1
            self.spans.extend(found)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """The spans received, once at least `count` arrived (or `timeout_s` passed)."""
        deadline = time.monotonic() + timeout_s
        with self._arrived:
            while len(self.spans) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            return list(self.spans)


def _http_handler(receiver: OtlpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/v1/traces":
                self.send_error(404)
                return
            receiver.take(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
            answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


def _grpc_server(receiver: OtlpReceiver, pool: futures.ThreadPoolExecutor) -> Any:
    import grpc

    class Service(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request: Any, context: Any) -> Any:  # the gRPC method name
            receiver.take(request)
            return trace_service_pb2.ExportTraceServiceResponse()

    server = grpc.server(pool)
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Service(), server)
    return server


def _span(span: Any, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": span.name,
        "trace_id": span.trace_id.hex(),
        "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(),
        "kind": span.kind,
        "start_ns": span.start_time_unix_nano,
        "end_ns": span.end_time_unix_nano,
        "attributes": _attributes(span.attributes),
        "links": [(link.trace_id.hex(), link.span_id.hex()) for link in span.links],
        "status": span.status.code,  # 0 unset, 1 ok, 2 error
        "status_message": span.status.message,
        "service": resource.get("service.name"),
    }


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return None if kind is None else getattr(value, kind)
