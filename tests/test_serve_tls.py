"""`serve` over TLS with client certificates required (mTLS), as a real process with real
certificates made here: the right client gets in, others fail the handshake, and a renewed
server certificate is picked up without a restart."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from test_serve import _free_port, _wait_for, launch  # noqa: F401 (fixture)

NOW = dt.datetime.now(dt.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(common: str, issuer: tuple | None, *, ca: bool = False, server: bool = False):
    key = ec.generate_private_key(ec.SECP256R1())
    signer_name, signer_key = issuer if issuer else (_name(common), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(minutes=5))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(signer_key, hashes.SHA256()), key


def _write(directory: Path, stem: str, cert: x509.Certificate, key=None) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


@pytest.fixture
def pki(tmp_path: Path) -> dict:
    """A CA, a server and a client certificate it signs, and a client from a rogue CA."""
    ca, ca_key = _issue("Statewright test CA", None, ca=True)
    rogue, rogue_key = _issue("Rogue CA", None, ca=True)
    server, server_key = _issue("localhost", (ca.subject, ca_key), server=True)
    client, client_key = _issue("billing-service", (ca.subject, ca_key))
    stranger, stranger_key = _issue("billing-service", (rogue.subject, rogue_key))
    return {
        "ca": _write(tmp_path, "ca", ca)[0],
        "ca_pair": (ca.subject, ca_key),
        "server": _write(tmp_path, "server", server, server_key),
        "client": _write(tmp_path, "client", client, client_key),
        "stranger": _write(tmp_path, "stranger", stranger, stranger_key),
        "server_serial": server.serial_number,
    }


def _client(pki: dict, who: str | None) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    if who:
        cert, key = pki[who]
        context.load_cert_chain(cert, key)
    return httpx.Client(verify=context, timeout=5)


def _served_serial(port: int, pki: dict) -> int:
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    context.load_cert_chain(*pki["client"])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def _healthy(url: str, pki: dict):
    def check() -> bool:
        try:
            with _client(pki, "client") as client:
                return client.get(url).status_code == 200
        except httpx.TransportError:
            return False

    return check


def test_serve_requires_a_client_certificate_and_reloads_its_own(launch, pki, tmp_path) -> None:  # noqa: F811
    port = _free_port()
    cert, key = pki["server"]
    process, log = launch(
        "serve", "--no-ui", "--no-samples", "--port", str(port),
        "--db", f"sqlite:///{tmp_path / 'tls.db'}",
        "--tls-cert", str(cert), "--tls-key", str(key),
        "--tls-client-ca", str(pki["ca"]), "--tls-require-client-cert",
    )
    url = f"https://localhost:{port}/healthz"
    _wait_for(_healthy(url, pki), process, log)
    assert "https://localhost" in log.read_text()

    for refused in (None, "stranger"):
        with pytest.raises(httpx.TransportError), _client(pki, refused) as client:
            client.get(url)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)  # no plain HTTP beside it

    assert _served_serial(port, pki) == pki["server_serial"]
    renewed, renewed_key = _issue("localhost", pki["ca_pair"], server=True)
    _write(tmp_path, "server", renewed, renewed_key)
    deadline = time.monotonic() + 30
    while _served_serial(port, pki) != renewed.serial_number:
        assert time.monotonic() < deadline, f"not reloaded:\n{log.read_text()}"
        time.sleep(0.5)
    with _client(pki, "client") as client:
        assert client.get(url).status_code == 200
    assert "TLS certificates reloaded" in log.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "missing.pem", "--tls-key", "missing.key"], "cannot be loaded"),
        (["--tls-key", "server.key"], "needs both --tls-cert and --tls-key"),
        (["--tls-require-client-cert"], "need --tls-cert and --tls-key"),
    ],
)
def test_bad_tls_options_are_refused_with_exit_2(launch, args, message) -> None:  # noqa: F811
    process, log = launch("serve", "--no-ui", *args)
    assert process.wait(timeout=60) == 2
    output = log.read_text()
    assert message in output and "Traceback" not in output
