"""`statewright bench --suite sealing`: what envelope encryption costs per transition.

Two views: one value sealed and opened (the legacy Fernet sealer of old against AES-256-GCM
under a cached per-instance DEK, and the DEK's first unwrap), and whole transitions through
the engine (`send` changing a sensitive variable against the same process with the variable
not sensitive), each as percentiles of single timings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from runtime.security.keys.environment import DEV_KEK

VALUE = "078-05-1120"


def _process(sensitive: bool) -> dict[str, Any]:
    return {"key": f"sealing-{'sealed' if sensitive else 'plain'}",
            "variables": [{"name": "ssn", "type": "string", "sensitive": sensitive}],
            "states": [{"id": "s", "type": "start"}, {"id": "edit", "type": "wait"},
                       {"id": "done", "type": "end"}],
            "transitions": [{"from": "s", "to": "edit"},
                            {"from": "edit", "to": "edit", "on": "change"},
                            {"from": "edit", "to": "done", "on": "finish"}]}


def _percentiles(samples_s: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples_s, n=100, method="inclusive")
    return {"p50_us": round(cuts[49] * 1e6, 2), "p95_us": round(cuts[94] * 1e6, 2),
            "p99_us": round(cuts[98] * 1e6, 2), "n": len(samples_s)}


def _timed(action: Callable[[int], Any], count: int) -> dict[str, float]:
    samples = []
    for n in range(count):
        began = time.perf_counter()
        action(n)
        samples.append(time.perf_counter() - began)
    return _percentiles(samples)


def per_value(count: int = 20_000) -> dict[str, Any]:
    fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"benchmark").digest()))
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    plain = json.dumps(VALUE).encode()
    token = fernet.encrypt(plain)
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plain, b"instance/ssn")
    wrapped = DEV_KEK.wrap(os.urandom(32), b"instance")
    return {
        "fernet_seal": _timed(lambda _: fernet.encrypt(plain), count),
        "fernet_open": _timed(lambda _: fernet.decrypt(token), count),
        "envelope_seal": _timed(lambda _: aead.encrypt(os.urandom(12), plain, b"i/ssn"), count),
        "envelope_open": _timed(lambda _: aead.decrypt(nonce, sealed, b"instance/ssn"), count),
        "dek_unwrap_on_cache_miss": _timed(
            lambda _: AESGCM(DEV_KEK.unwrap(wrapped, b"instance")), count),
    }


def per_transition(url: str | None, instances: int = 50, steps: int = 40) -> dict[str, Any]:
    """Sends alternate between the sealed and the plain process, so both see the same load."""
    from runtime.engine import Engine

    samples: dict[str, list[float]] = {"plain": [], "sealed": [], "start_plain": [],
                                       "start_sealed": []}
    with tempfile.TemporaryDirectory() as scratch:
        engine = Engine(url or f"sqlite:///{scratch}/sealing.db")
        try:
            ids: dict[str, list[str]] = {"plain": [], "sealed": []}
            for sensitive in (False, True):
                engine.publish(_process(sensitive))
            for _ in range(instances):
                for kind in ids:
                    began = time.perf_counter()
                    ids[kind].append(engine.start(f"sealing-{kind}", {"ssn": VALUE}))
                    samples[f"start_{kind}"].append(time.perf_counter() - began)
            for n in range(steps):
                for i in range(instances):
                    for kind in ids:
                        began = time.perf_counter()
                        engine.send(ids[kind][i], "change", {"ssn": f"{VALUE}-{n}"})
                        samples[kind].append(time.perf_counter() - began)
        finally:
            engine.close()
    results: dict[str, Any] = {k: _percentiles(v) for k, v in samples.items()}
    results["overhead_p50_us"] = round(results["sealed"]["p50_us"] - results["plain"]["p50_us"], 2)
    return results


def run(url: str | None, instances: int = 50, steps: int = 40) -> dict[str, Any]:
    return {"per_value": per_value(), "per_transition": per_transition(url, instances, steps)}
