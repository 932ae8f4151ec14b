"""TLS for `serve`: the server's certificate, optional client certificates (mTLS) for
service-to-service calls, and certificates reloaded when their files change.

uvicorn builds one `ssl.SSLContext` at start-up and hands it to every connection; reloading
loads the new chain into that same context, so new handshakes get the new certificate and
open connections keep theirs. A renewed client CA bundle is added to the trusted ones (a CA
removed from the bundle stays trusted until a restart). A file caught mid-write is retried at
the next poll; the certificate in use stays until a good pair is read.
"""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("statewright.tls")
RELOAD_POLL_S = 2.0


class TlsSettingError(ValueError):
    """A TLS option names a missing or unreadable file, or a certificate that does not load."""


@dataclass(frozen=True)
class TlsSettings:
    cert: Path
    key: Path
    client_ca: Path | None = None
    require_client_cert: bool = False

    @classmethod
    def from_options(
        cls,
        cert: Path | None,
        key: Path | None,
        client_ca: Path | None,
        require_client_cert: bool,
    ) -> TlsSettings | None:
        """None for plain HTTP; raises `TlsSettingError` naming the option that is wrong."""
        if cert is None and key is None:
            if client_ca is not None or require_client_cert:
                raise TlsSettingError(
                    "--tls-client-ca and --tls-require-client-cert need --tls-cert and --tls-key."
                )
            return None
        if cert is None or key is None:
            raise TlsSettingError("TLS needs both --tls-cert and --tls-key.")
        if require_client_cert and client_ca is None:
            raise TlsSettingError(
                "--tls-require-client-cert needs --tls-client-ca (the CA that signs the "
                "clients' certificates)."
            )
        settings = cls(cert, key, client_ca, require_client_cert)
        settings.context()  # fail now, naming the file, rather than at the first handshake
        return settings

    def context(self) -> ssl.SSLContext:
        """A server context as these files make it (what the reloader checks a change with)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.load_into(context)
        return context

    def load_into(self, context: ssl.SSLContext) -> None:
        try:
            context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            raise TlsSettingError(
                f"The certificate {self.cert} with the key {self.key} cannot be loaded: {exc}"
            ) from None
        if self.client_ca is not None:
            try:
                context.load_verify_locations(cafile=self.client_ca)
            except (OSError, ssl.SSLError) as exc:
                raise TlsSettingError(
                    f"The client CA bundle {self.client_ca} cannot be loaded: {exc}"
                ) from None

    def uvicorn_options(self) -> dict[str, Any]:
        if self.require_client_cert:
            reqs = ssl.CERT_REQUIRED
        else:
            reqs = ssl.CERT_OPTIONAL if self.client_ca else ssl.CERT_NONE
        return {
            "ssl_certfile": str(self.cert),
            "ssl_keyfile": str(self.key),
            "ssl_ca_certs": str(self.client_ca) if self.client_ca else None,
            "ssl_cert_reqs": reqs,
        }

    def files(self) -> list[Path]:
        return [p for p in (self.cert, self.key, self.client_ca) if p is not None]


class CertificateReloader:
    """Polls the certificate files; on a change, loads them into the server's live context."""

    def __init__(self, settings: TlsSettings, live: Any, poll_s: float = RELOAD_POLL_S) -> None:
        """`live` is uvicorn's `Config`: its `ssl` context exists once the server started."""
        self._settings, self._live, self._poll_s = settings, live, poll_s
        self._seen = self._stamps()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tls-reload", daemon=True)

    def start(self) -> CertificateReloader:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._poll_s + 1)

    def _stamps(self) -> list[tuple[int, int] | None]:
        stamps = []
        for path in self._settings.files():
            try:
                stat = path.stat()
                stamps.append((stat.st_mtime_ns, stat.st_size))
            except OSError:
                stamps.append(None)
        return stamps

    def _run(self) -> None:
        while not self._stop.wait(self._poll_s):
            stamps = self._stamps()
            context = getattr(self._live, "ssl", None)
            if stamps == self._seen or context is None:
                continue
            try:
                self._settings.context()  # a half-written pair must not reach the live one
                self._settings.load_into(context)
            except TlsSettingError as exc:
                log.warning("TLS files changed but do not load yet (kept the old ones): %s", exc)
                continue
            self._seen = stamps
            log.info(
                "TLS certificates reloaded from %s", ", ".join(map(str, self._settings.files()))
            )
