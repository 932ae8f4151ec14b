"""Definitions: list, publish (new version or the identical existing one), read versions.

`POST /definitions` and `POST /definitions/{key}/versions` both publish: version 1 for a new
key, the next version for changed content, the existing version for identical content
(ignoring layout). They answer 201 when a version was created and 200 when it already existed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from runtime.api import presenters
from runtime.api.auth import Caller
from runtime.api.errors import ApiError, error_responses
from runtime.api.models import (
    DefinitionDetail,
    DefinitionList,
    DefinitionSummary,
    DefinitionVersion,
    PublishedVersion,
    VersionSummary,
    storable_json,
)
from runtime.core.errors import DefinitionInvalid
from shared.definition import KEY_PATTERN
from shared.findings import Finding

router = APIRouter(prefix="/definitions", tags=["definitions"])

KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]
DefinitionBody = Annotated[
    dict[str, Any],
    Body(
        description="A `statewright/v1` definition document (see the Definition schema).",
        json_schema_extra={"$ref": "#/components/schemas/Definition"},
    ),
]
PUBLISH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": PublishedVersion, "description": "Identical content was already published"},
    **error_responses(400, 413, 422),
}


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _publish(
    engine: Any, document: dict[str, Any], actor: str, response: Response
) -> PublishedVersion:
    try:
        storable_json(document)
    except ValueError as exc:
        message = f"the definition cannot be stored: {exc}"
        raise DefinitionInvalid(message, [Finding.of("schema", message)]) from None
    published = engine.publish(document, actor=actor)
    stored = engine.version(published.key, published.version)
    response.status_code = 200 if published.existed else 201
    return PublishedVersion(
        **presenters.version(stored).model_dump(), existed=published.existed
    )


@router.get("", response_model=DefinitionList, summary="List published definitions")
def list_definitions(request: Request) -> DefinitionList:
    items = [
        DefinitionSummary(
            key=d.key, name=d.name, latest_version=d.latest_version, version_count=d.version_count
        )
        for d in _engine(request).definitions()
    ]
    return DefinitionList(items=items, total=len(items))


@router.post(
    "",
    response_model=PublishedVersion,
    status_code=201,
    summary="Publish a definition (version 1, the next version, or the identical existing one)",
    responses=PUBLISH_RESPONSES,
)
def publish_definition(
    request: Request,
    response: Response,
    document: DefinitionBody,
    caller: Caller,
) -> PublishedVersion:
    return _publish(_engine(request), document, caller.username, response)


@router.get(
    "/{key}",
    response_model=DefinitionDetail,
    summary="A definition: its latest document and its versions",
    responses=error_responses(404, 422),
)
def get_definition(request: Request, key: KeyPath) -> DefinitionDetail:
    engine = _engine(request)
    versions = engine.versions(key)
    latest = versions[-1]
    return DefinitionDetail(
        key=key,
        name=latest.name,
        latest_version=latest.version,
        versions=[
            VersionSummary(
                version=v.version, content_hash=v.content_hash, published_at=v.published_at
            )
            for v in versions
        ],
        definition=latest.document,
    )


@router.post(
    "/{key}/versions",
    response_model=PublishedVersion,
    status_code=201,
    summary="Publish a new version of the definition `key`",
    responses=PUBLISH_RESPONSES,
)
def publish_version(
    request: Request,
    response: Response,
    key: KeyPath,
    document: DefinitionBody,
    caller: Caller,
) -> PublishedVersion:
    """The document's `key` may be left out; when given it must equal the path's key."""
    given = document.get("key", key)
    if given != key:
        raise ApiError(
            422,
            "key-mismatch",
            f"The document's key {given!r} does not match the path's key {key!r}.",
            {"path_key": key, "document_key": given},
        )
    return _publish(_engine(request), {**document, "key": key}, caller.username, response)


@router.get(
    "/{key}/versions/{version}",
    response_model=DefinitionVersion,
    summary="One published version of a definition",
    responses=error_responses(404, 422),
)
def get_version(request: Request, key: KeyPath, version: VersionNumber) -> DefinitionVersion:
    return presenters.version(_engine(request).version(key, version))
