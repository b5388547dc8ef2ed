"""The OpenAPI document of ``/api/v1``, built from the models' declared params.

Each catalog model gets a ``<model> params`` schema from its family's field metadata
(``engines.params``): the same bounds the pages' forms and the server's checks use, so
the document can never promise what a submit would refuse. A file param takes the id
of one of the user's uploads (``POST /api/v1/uploads``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from engines.catalog import CATALOG, ModelEntry
from engines.extend import ExtendParams, can_extend
from engines.params import MEDIA, ParamSpec, specs
from engines.seeds import MAX_SEED
from engines.validation import MAX_PROMPT_CHARS
from jobs.catalog.records import SOURCES, STATUSES
from jobs.input_files import YOUR_MEDIA
from jobs.submission import MAX_VARIATIONS

API_VERSION = "1.0.0"


def field_schema(entry: ModelEntry, spec: ParamSpec) -> dict[str, Any]:
    """One declared field as JSON Schema: its type, bounds, default and help."""
    schema: dict[str, Any]
    if spec.kind in ("prompt", "text"):
        schema = {"type": "string", "maxLength": MAX_PROMPT_CHARS}
        if spec.kind == "prompt":
            schema["minLength"] = 1
    elif spec.kind == "seed":
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_SEED}
    elif spec.kind == "int":
        schema = {"type": "integer", "minimum": int(spec.minimum or 0)}
        schema["maximum"] = int(spec.maximum or 0)
        if spec.k_plus_one:  # JSON Schema has no "4k+1": list the values
            schema = {"type": "integer", "enum": spec.allowed_values()}
        elif spec.multiple_of:
            schema["multipleOf"] = spec.multiple_of
    elif spec.kind == "float":
        schema = {"type": "number", "minimum": spec.minimum, "maximum": spec.maximum}
    elif spec.kind == "bool":
        schema = {"type": "boolean"}
    elif spec.kind == "choice":
        schema = {"enum": list(spec.choices)}
    elif spec.kind == "file":  # one of the user's assets of its media, by id
        schema = {"type": "string", "minLength": 1}
    else:
        schema = {"type": "string", "minLength": 1}
    if spec.optional:
        schema = {"anyOf": [schema, {"type": "null"}]}
    default = entry.default_of(spec.name)
    if default is not None or spec.optional:
        schema["default"] = default
    help_text = spec.help + (
        f" The id of one of your {YOUR_MEDIA[spec.media]}: POST /api/v1/uploads with "
        f"output_type={spec.media} answers one, and a result's asset id works too."
        if spec.kind == "file"
        else ""
    )
    return {**schema, "description": help_text}


def params_schema(entry: ModelEntry) -> dict[str, Any]:
    declared = [s for s in specs(entry.params_class()) if s.kind != "model"]
    required = [s.name for s in declared if entry.default_of(s.name) is None and not s.optional]
    return {
        "type": "object",
        "description": f"{entry.name}: {entry.description}",
        "properties": {s.name: field_schema(entry, s) for s in declared},
        "required": required,
        "additionalProperties": False,
    }


VARIATIONS = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_VARIATIONS,
    "description": (
        "Queue this many jobs of the same params, seeds consecutive from `params.seed` "
        "(random ones without); each counts against your queue limit, all or none. "
        "The answer lists every id, in seed order."
    ),
}


def job_request_schema(entry: ModelEntry) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "model": {"const": entry.name},
            "params": ref(schema_name(entry)),
            "variations": VARIATIONS,
        },
        "required": ["model", "params"],
        "additionalProperties": False,
    }


class DeclaredParams:
    """A runner job's params class (an extension's), read as field_schema reads an entry."""

    def __init__(self, name: str, description: str, cls: type) -> None:
        self.name, self.description, self.cls = name, description, cls

    def params_class(self) -> type:
        return self.cls

    def default_of(self, name: str) -> Any:
        found = next(f for f in dataclasses.fields(self.cls) if f.name == name)
        return None if found.default is dataclasses.MISSING else found.default


EXTEND = DeclaredParams(
    "extend",
    "the next seconds of one of your clips, made from its last frames by `model` (a model "
    "that starts from a picture), joined to it into one longer clip",
    ExtendParams,
)


def extend_request_schema(extenders: list[ModelEntry]) -> dict[str, Any]:
    """``{"model": <a model that extends>, "params": {"extend_from": id, "seconds": S, ...}}``"""
    return {
        "type": "object",
        "properties": {
            "model": {"enum": [EXTEND.name, *(e.name for e in extenders)]},
            "params": ref("extend_params"),
            "variations": VARIATIONS,
        },
        "required": ["model", "params"],
        "additionalProperties": False,
    }


def schema_name(entry: ModelEntry) -> str:
    return entry.name.replace(".", "_") + "_params"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": _content(schema)}


ERROR = ref("Error")
JOB_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
ASSET_ID = {**JOB_ID}


def refusals(*codes: int) -> dict[str, Any]:
    why = {
        400: "The request is not what the route reads (not JSON, a number over 30 digits, "
        "nesting too deep, not a form).",
        401: "No token, or an unknown or revoked one.",
        404: "No such id among yours.",
        413: "The body is larger than the route accepts (1 MB; an upload its own limit).",
        422: "Params or file refused; the message says what would work.",
        429: "Over a quota or the token's rate limit; the message says when to retry.",
    }
    return {str(code): _json(why[code], ERROR) for code in (401, 429, *codes)}


def openapi_document(models: list[ModelEntry] | None = None) -> dict[str, Any]:
    """The whole document; ``models`` defaults to every catalog model."""
    entries = models if models is not None else list(CATALOG.values())
    job = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "model": {"type": ["string", "null"]},
            "status": {"enum": list(STATUSES)},
            "step": {"type": "integer"},
            "total": {"type": "integer"},
            "phase": {"type": ["string", "null"],
                      "description": "What it does now: loading the model, denoising..."},
            "progress": {"type": "string",
                         "description": "The same in words: 'Loading the model', "
                                        "'Denoising: step 3 of 25', 'Waiting in the queue'."},
            "queue_position": {"type": ["integer", "null"]},
            "estimate_s": {"type": ["number", "null"]},
            "error": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},  # e.g. restarting after a lost worker
            "asset_id": {"type": ["string", "null"]},
        },
        "required": ["id", "status", "step", "total", "queue_position", "estimate_s", "error",
                     "asset_id"],
    }  # fmt: skip
    asset = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "output_type": {"type": "string", "enum": list(MEDIA)},
            "source": {"type": "string", "enum": list(SOURCES)},
            "title": {
                "type": "string",
                "description": "Its prompt, an upload's name, or what it was made of.",
            },
            "model": {"type": ["string", "null"]},
            "job_id": {"type": ["string", "null"]},
            "params": {"type": "object"},
            "created_at": {"type": "number"},
            "file": {"type": "string", "description": "Where to download it."},
        },
        "required": ["id", "output_type", "source", "params", "created_at", "file"],
    }
    schemas: dict[str, Any] = {schema_name(e): params_schema(e) for e in entries}
    extenders = [e for e in entries if can_extend(e)]
    requests = [job_request_schema(e) for e in entries]
    if extenders:  # an extension names the model that makes the next seconds
        schemas["extend_params"] = params_schema(EXTEND)  # type: ignore[arg-type]
        requests.append(extend_request_schema(extenders))
    schemas |= {
        "Error": {
            "type": "object",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
        },
        "Job": job,
        "Asset": asset,
        "JobRequest": {"oneOf": requests},
    }
    created = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    queued = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "The job (with variations: the first)."},
            "ids": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "maxItems": MAX_VARIATIONS,
                "description": "Only with `variations`: every job queued, in seed order.",
            },
        },
        "required": ["id"],
    }
    upload_form = {
        "type": "object",
        "properties": {
            "output_type": {"enum": list(MEDIA)},
            "file": {"type": "string", "format": "binary"},
        },
        "required": ["output_type", "file"],
    }
    binary = {"type": "string", "format": "binary"}
    upload_body = {"multipart/form-data": {"schema": upload_form}}
    paths = {
        "/api/v1/jobs": {
            "post": {
                "summary": "Queue a job: a model and its params, checked as the pages check them.",
                "operationId": "submitJob",
                "requestBody": {"required": True, "content": _content(ref("JobRequest"))},
                "responses": {"201": _json("Queued.", queued), **refusals(400, 413, 422)},
            },
            "get": {
                "summary": "My jobs, newest first.",
                "operationId": "listJobs",
                "responses": {"200": _json("Mine.", array_of("Job")), **refusals()},
            },
        },
        "/api/v1/jobs/{id}": {
            "parameters": [JOB_ID],
            "get": {
                "summary": "A job: status, progress, queue position, estimate, result.",
                "operationId": "getJob",
                "responses": {"200": _json("The job.", ref("Job")), **refusals(404)},
            },
            "delete": {
                "summary": "Cancel a job (a running one stops at its next step).",
                "operationId": "cancelJob",
                "responses": {"200": _json("The job now.", ref("Job")), **refusals(404)},
            },
        },
        "/api/v1/assets": {
            "get": {
                "summary": "My files, newest first.",
                "operationId": "listAssets",
                "responses": {"200": _json("Mine.", array_of("Asset")), **refusals()},
            }
        },
        "/api/v1/assets/{id}/file": {
            "parameters": [ASSET_ID],
            "get": {
                "summary": "Download a file, byte for byte.",
                "operationId": "downloadAsset",
                "responses": {
                    "200": {"description": "The file.", "content": {"*/*": {"schema": binary}}},
                    **refusals(404),
                },
            },
        },
        "/api/v1/uploads": {
            "post": {
                "summary": "Store an input file (a melody, a video or track to combine).",
                "operationId": "upload",
                "requestBody": {"required": True, "content": upload_body},
                "responses": {"201": _json("Stored.", created), **refusals(400, 413, 422)},
            }
        },
    }
    schemas |= board_schemas()
    paths |= board_paths()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Studio API", "version": API_VERSION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
    }


BOARD_ID = {**JOB_ID}
SHOT_NUMBER = {"name": "n", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}}  # fmt: skip


def board_schemas() -> dict[str, Any]:
    """A board as sent (BoardRequest) and as read back (Board)."""
    nullable_string = {"type": ["string", "null"]}
    shot = {
        "type": "object",
        "properties": {
            "prompt": {"type": "string", "minLength": 1},
            "model": {"type": "string", "description": "A video model; omitted: the default."},
            "seconds": {"type": "number", "exclusiveMinimum": 0,
                        "description": "Above 0, at most what the model makes in one shot."},
            "seed": {"type": ["integer", "null"], "minimum": 0},
            "continue": {"type": "boolean",
                         "description": "Start from the previous shot's last frame."},
            "params": {"type": "object", "description": "The model's own params (steps...)."},
        },
        "required": ["prompt"],
        "additionalProperties": False,
    }  # fmt: skip
    make = {
        "type": "object",
        "properties": {"model": {"type": "string"}, "prompt": {"type": "string"},
                       "lyrics": {"type": "string"}},
        "required": ["prompt"],
        "additionalProperties": False,
    }  # fmt: skip
    picked = {
        "type": "object",
        "properties": {"asset": {"type": "string", "description": "One of your audio files."}},
        "required": ["asset"],
        "additionalProperties": False,
    }
    request = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "shots": {"type": "array", "items": shot, "minItems": 1},
            "soundtrack": {"oneOf": [make, picked, {"type": "null"}]},
            "cuts": {"enum": ["beats", "bars", "as_written"]},
            "transition": {
                "type": "object",
                "properties": {"kind": {"enum": ["cut", "crossfade"]},
                               "seconds": {"type": "number", "minimum": 0}},
                "required": ["kind"],
            },
        },
        "required": ["shots"],
        "additionalProperties": False,
    }  # fmt: skip
    shot_state = {
        "type": "object",
        "properties": {
            "index": {"type": "integer"},
            "prompt": {"type": "string"},
            "job_id": nullable_string,
            "status": {"type": ["string", "null"]},
            "fraction": {"type": "number"},
            "asset_id": nullable_string,
        },
        "required": ["index", "prompt", "job_id", "status", "asset_id"],
    }
    board = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "status": {"enum": ["draft", "rendering", "done", "failed", "cancelled"]},
            "phase": {"type": "string", "description": "Shots done of N, then assembling."},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "shots": {"type": "array", "items": shot_state},
            "asset_id": {**nullable_string, "description": "The piece, once done."},
            "plan": {
                "type": ["object", "null"],
                "properties": {"cuts": {"type": "array", "items": {"type": "number"}},
                               "seconds": {"type": "number"}},
            },
            "error": nullable_string,
        },
        "required": ["id", "title", "status", "progress", "shots", "asset_id", "plan"],
    }  # fmt: skip
    rerender = {
        "type": "object",
        "properties": {"prompt": {"type": "string"}, "seed": {"type": ["integer", "null"]}},
        "additionalProperties": False,
    }
    return {"BoardRequest": request, "Board": board, "ShotChange": rerender}


def board_paths() -> dict[str, Any]:
    created = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    return {
        "/api/v1/boards": {
            "post": {
                "summary": "Save a storyboard and render it: soundtrack, shots, then the piece.",
                "operationId": "createBoard",
                "requestBody": {"required": True, "content": _content(ref("BoardRequest"))},
                "responses": {"201": _json("Rendering.", created), **refusals(400, 422)},
            },
            "get": {
                "summary": "My boards, latest changed first.",
                "operationId": "listBoards",
                "responses": {"200": _json("Mine.", array_of("Board")), **refusals()},
            },
        },
        "/api/v1/boards/{id}": {
            "parameters": [BOARD_ID],
            "get": {
                "summary": "A board: status, progress, each shot's job, the plan, the piece.",
                "operationId": "getBoard",
                "responses": {"200": _json("The board.", ref("Board")), **refusals(404)},
            },
            "delete": {
                "summary": "Cancel the board's render.",
                "operationId": "cancelBoard",
                "responses": {"200": _json("The board now.", ref("Board")), **refusals(404)},
            },
        },
        "/api/v1/boards/{id}/shots/{n}": {
            "parameters": [BOARD_ID, SHOT_NUMBER],
            "post": {
                "summary": "Make shot n again (new prompt or seed), then the piece; "
                "the other shots are kept.",
                "operationId": "rerenderShot",
                "requestBody": {"required": True, "content": _content(ref("ShotChange"))},
                "responses": {"200": _json("The board now.", ref("Board")),
                              **refusals(400, 404, 422)},
            },
        },
    }  # fmt: skip
