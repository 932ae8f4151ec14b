"""Regression: the client address came from `X-Forwarded-For` of any local peer, so a
client could pick its address and dodge the per-address rate limits. `serve` now believes
the header only from the proxies in `STATEWRIGHT_TRUSTED_PROXIES`."""

from __future__ import annotations

import time

import httpx
import pytest
from test_serve import _answers, _free_port, _wait_for, launch  # noqa: F401 (fixture)

from runtime.cli.serving import proxy_options


@pytest.mark.parametrize(
    ("trusted", "seen_as"),
    [("", "127.0.0.1"), ("127.0.0.1", "203.0.113.77")],
    ids=["no-proxy-configured", "the-local-proxy-is-trusted"],
)
def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(
    launch, tmp_path, trusted: str, seen_as: str  # noqa: F811
) -> None:
    port = _free_port()
    env = {"STATEWRIGHT_TRUSTED_PROXIES": trusted} if trusted else {}
    process, log = launch(
        "serve", "--no-ui", "--no-samples", "--port", str(port),
        "--db", f"sqlite:///{tmp_path / 'proxy.db'}", **env,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(_answers(f"{base}/healthz"), process, log)
    refused = httpx.get(f"{base}/api/v1/instances", headers={"X-Forwarded-For": "203.0.113.77"})
    assert refused.status_code == 401
    deadline = time.monotonic() + 10
    while "denied status=401" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    denial = next(line for line in log.read_text().splitlines() if "denied status=401" in line)
    assert f"ip={seen_as} " in denial


def test_proxy_options() -> None:
    assert proxy_options({}) == {"proxy_headers": False}
    assert proxy_options({"STATEWRIGHT_TRUSTED_PROXIES": "10.0.0.0/8, 10.1.2.3"}) == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.0/8, 10.1.2.3",
    }
