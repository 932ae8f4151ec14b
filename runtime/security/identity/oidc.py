"""OpenID Connect login: authorization code flow with PKCE (S256), framework-agnostic.

The web layer calls `begin_login(redirect_uri)`, keeps the returned `PendingLogin` in the
server-side session and redirects the browser to its `authorization_url`; on the callback it
calls `complete_login(pending, query_params)`, which exchanges the code, verifies the ID
token (signature against the provider's JWKS, issuer, audience, expiry, nonce) and returns an
`OidcIdentity` whose roles come from a configurable claim through a configured mapping.
`IdentityService.provision_oidc_user(identity)` then makes it a local user.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from runtime.security.identity.errors import InvalidName, OidcError
from runtime.security.identity.users import USERNAME_PATTERN, check_roles

# Only asymmetric algorithms: "none" and HS* (keyed with the client secret) are refused.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
ENV_PREFIX = "STATEWRIGHT_OIDC_"


@dataclass(frozen=True)
class OidcConfig:
    """Where the provider is and how its claims become Statewright roles."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    roles_claim: str = "groups"
    role_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scopes: str = "openid profile email"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> OidcConfig | None:
        """Read `STATEWRIGHT_OIDC_*`; None when no issuer is configured (OIDC off)."""
        issuer = env.get(f"{ENV_PREFIX}ISSUER", "").strip()
        if not issuer:
            return None
        client_id = env.get(f"{ENV_PREFIX}CLIENT_ID", "").strip()
        if not client_id:
            raise OidcError(
                f"{ENV_PREFIX}ISSUER is set but {ENV_PREFIX}CLIENT_ID is empty; "
                "set the client id registered with the provider."
            )
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=env.get(f"{ENV_PREFIX}CLIENT_SECRET") or None,
            roles_claim=env.get(f"{ENV_PREFIX}ROLES_CLAIM", "").strip() or "groups",
            role_map=parse_role_map(env.get(f"{ENV_PREFIX}ROLE_MAP", "")),
        )


def parse_role_map(text: str, where: str = f"{ENV_PREFIX}ROLE_MAP") -> dict[str, tuple]:
    """Parse `{"provider group": ["role", ...]}` (a single role may be a string), or the
    shorter `group=role,group=role` (a group named twice gets both roles)."""
    if not text.strip():
        return {}
    if not text.lstrip().startswith("{"):
        return _parse_role_pairs(text, where)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise OidcError(
            f"{where} is not valid JSON: {error.msg} at column {error.colno}."
        ) from None
    if not isinstance(raw, dict):
        raise OidcError(f"{where} must be a JSON object of group -> list of roles.")
    mapping = {}
    for group, roles in raw.items():
        roles = [roles] if isinstance(roles, str) else roles
        if not isinstance(roles, list):
            raise OidcError(f"{where}[{group!r}] must be a role name or a list of role names.")
        try:
            mapping[group] = check_roles(roles)
        except InvalidName as error:
            raise OidcError(f"{where}[{group!r}]: {error}") from None
    return mapping


def _parse_role_pairs(text: str, where: str) -> dict[str, tuple]:
    pairs: dict[str, list[str]] = {}
    for position, item in enumerate(text.split(","), start=1):
        group, equals, role = (part.strip() for part in item.partition("="))
        if not item.strip():
            continue
        if not equals or not group or not role:
            raise OidcError(
                f"{where} item {position} ({item.strip()!r}) is not group=role; "
                "write e.g. sw-admins=admin,sw-ops=operator."
            )
        pairs.setdefault(group, []).append(role)
    mapping = {}
    for group, roles in pairs.items():
        try:
            mapping[group] = check_roles(roles)
        except InvalidName as error:
            raise OidcError(f"{where}[{group!r}]: {error}") from None
    return mapping


@dataclass(frozen=True)
class PendingLogin:
    """What to keep in the server-side session between redirect and callback (secret)."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    authorization_url: str


@dataclass(frozen=True)
class OidcIdentity:
    """A verified provider identity, ready for `IdentityService.provision_oidc_user`."""

    issuer: str
    subject: str
    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    claims: Mapping[str, Any]


class OidcClient:
    """One provider. Discovery and JWKS are fetched lazily and cached; an unknown key id
    refetches the JWKS once, so provider key rotation needs no restart."""

    def __init__(
        self,
        config: OidcConfig,
        http: httpx.Client | None = None,
        clock: Callable[[], datetime] | None = None,
        leeway_s: int = 60,
    ) -> None:
        self.config = config
        self._http = http or httpx.Client(timeout=10.0)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._leeway_s = leeway_s
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = self._get_json(url, "discovery document")
            if document.get("issuer") != self.config.issuer:
                raise OidcError(
                    f"The discovery document at {url} names issuer {document.get('issuer')!r},"
                    f" not the configured {self.config.issuer!r}."
                )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(document.get(key), str):
                    raise OidcError(f"The discovery document at {url} lacks {key!r}.")
            self._metadata = document
        return self._metadata

    def begin_login(self, redirect_uri: str) -> PendingLogin:
        """A fresh state, nonce and PKCE verifier, and the URL to send the browser to."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = prepare_grant_uri(
            self.metadata()["authorization_endpoint"],
            client_id=self.config.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.config.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return PendingLogin(state, nonce, verifier, redirect_uri, url)

    def complete_login(self, pending: PendingLogin, params: Mapping[str, str]) -> OidcIdentity:
        """Handle the callback's query parameters: check state, exchange the code, verify
        the ID token and map its claims."""
        if params.get("error"):
            detail = params.get("error_description") or params["error"]
            raise OidcError(f"The identity provider refused the login: {detail}.")
        if params.get("state") != pending.state:
            raise OidcError("The login callback's state does not match this session's login.")
        code = params.get("code")
        if not code:
            raise OidcError("The login callback carries no authorization code.")
        tokens = self._exchange_code(code, pending)
        claims = self.validate_id_token(tokens.get("id_token", ""), pending.nonce)
        return self._identity(claims)

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Verify signature, issuer, audience, expiry and nonce; return the claims."""
        if not id_token:
            raise OidcError("The token response carries no id_token.")
        claims = self._verified_claims(id_token)
        now = self._clock().timestamp()
        if claims.get("iss") != self.config.issuer:
            raise OidcError(
                f"The ID token's issuer {claims.get('iss')!r} is not {self.config.issuer!r}."
            )
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.config.client_id not in audiences:
            raise OidcError(
                f"The ID token's audience {audience!r} does not include this client "
                f"({self.config.client_id!r})."
            )
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError("The ID token has several audiences but is not issued to us (azp).")
        expires = claims.get("exp")
        if not isinstance(expires, int | float):
            raise OidcError("The ID token has no expiry (exp).")
        if expires + self._leeway_s < now:
            expired_at = datetime.fromtimestamp(expires, UTC).isoformat()
            raise OidcError(f"The ID token expired at {expired_at}.")
        if not isinstance(claims.get("iat"), int | float):
            raise OidcError("The ID token has no issue time (iat).")
        if claims.get("nonce") != nonce:
            raise OidcError("The ID token's nonce does not match this login (possible replay).")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcError("The ID token has no subject (sub).")
        return claims

    def map_roles(self, claims: Mapping[str, Any]) -> tuple[str, ...]:
        """Roles from the configured claim (a dotted path, e.g. `realm_access.roles`)
        through the role map; groups without a mapping grant nothing."""
        value: Any = claims
        for part in self.config.roles_claim.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        groups = [value] if isinstance(value, str) else value or []
        roles: set[str] = set()
        for group in groups:
            if isinstance(group, str):
                roles.update(self.config.role_map.get(group, ()))
        return tuple(sorted(roles))

    def _exchange_code(self, code: str, pending: PendingLogin) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending.redirect_uri,
            "code_verifier": pending.code_verifier,
        }
        auth = None
        if self.config.client_secret:
            auth = httpx.BasicAuth(self.config.client_id, self.config.client_secret)
        else:
            form["client_id"] = self.config.client_id
        url = self.metadata()["token_endpoint"]
        try:
            response = self._http.post(url, data=form, auth=auth)
        except httpx.HTTPError as error:
            raise OidcError(f"Could not reach the token endpoint {url}: {error}.") from None
        body = _json_or_none(response)
        if response.status_code != 200 or body is None:
            detail = (body or {}).get("error_description") or (body or {}).get("error")
            raise OidcError(
                f"The token endpoint {url} refused the code (HTTP {response.status_code}"
                + (f": {detail}" if detail else "")
                + ")."
            )
        return body

    def _verified_claims(self, id_token: str) -> dict[str, Any]:
        algorithms = [
            alg
            for alg in self.metadata().get("id_token_signing_alg_values_supported", ["RS256"])
            if alg in SAFE_ALGORITHMS
        ]
        try:
            kid = jws.extract_compact(id_token.encode()).protected.get("kid")
            keys = self._key_set(refresh=kid is not None and kid not in self._kids())
            return dict(jwt.decode(id_token, keys, algorithms=algorithms).claims)
        except BadSignatureError:
            raise OidcError(
                "The ID token's signature does not verify against the provider's keys "
                "(tampered or not from this issuer)."
            ) from None
        except InvalidKeyIdError:
            raise OidcError(
                "The ID token is signed with a key the provider does not publish."
            ) from None
        except (JoseError, ValueError) as error:
            raise OidcError(f"The ID token cannot be decoded: {error}.") from None

    def _kids(self) -> set[str]:
        return {key.kid for key in self._key_set().keys if key.kid}

    def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = self._get_json(self.metadata()["jwks_uri"], "JWKS")
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, KeyError) as error:
                raise OidcError(f"The provider's JWKS cannot be read: {error}.") from None
        return self._keys

    def _identity(self, claims: dict[str, Any]) -> OidcIdentity:
        username = claims.get("preferred_username") or claims.get("email") or claims["sub"]
        if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
            raise OidcError(
                f"The provider's username {username!r} is not a valid Statewright username "
                "(1-128 letters, digits or . _ @ + -)."
            )
        return OidcIdentity(
            issuer=self.config.issuer,
            subject=claims["sub"],
            username=username,
            display_name=str(claims.get("name") or username),
            email=str(claims.get("email") or ""),
            roles=self.map_roles(claims),
            claims=claims,
        )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url)
        except httpx.HTTPError as error:
            raise OidcError(f"Could not fetch the provider's {what} at {url}: {error}.") from None
        body = _json_or_none(response)
        if response.status_code != 200 or body is None:
            raise OidcError(
                f"The provider's {what} at {url} answered HTTP {response.status_code} "
                "without a JSON object."
            )
        return body


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
