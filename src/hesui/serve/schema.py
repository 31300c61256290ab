"""Each route's request and response bodies as JSON Schema, for the app's OpenAPI document (``app.openapi()``).

The routes read raw bodies themselves, because each dialect answers a bad body in its own way (OpenAI: HTTP 400;
Qianfan: an error_code in an HTTP 200 body), so the bodies are declared here (FastAPI's ``openapi_extra``) rather
than as pydantic models. The limits are the ones the routes enforce; tests/test_serve_schema.py fuzzes the live
server from this document with schemathesis.
"""
from __future__ import annotations

from .common import MAX_CONTENT, MAX_MESSAGES, MAX_SEED

JSON = "application/json"
STRING, BOOLEAN = {"type": "string"}, {"type": "boolean"}
# One server-sent event; its data is a JSON chunk of the dialect (OpenAI: then "[DONE]").
EVENT = {"type": "object", "required": ["data"], "properties": {"data": STRING}}
COUNT_INT = {"type": "integer", "minimum": 0}

CONSTRAINT = {"type": "object", "required": ["kind", "unit", "lo", "hi", "target"], "properties": {
    "kind": {"enum": ["max", "min", "about", "range", "exact", "couplet", "verse"]},
    "unit": {"enum": ["char", "han", "sentence", "paragraph", "line"]},
    "lo": {"type": ["integer", "null"]}, "hi": {"type": ["integer", "null"]}, "target": {"type": ["integer", "null"]},
    "per": {"enum": ["line", "paragraph", "sentence"]}}}
COUNTS = {"type": "object", "required": ["char", "han", "sentence", "paragraph"],
          "properties": {u: COUNT_INT for u in ("char", "han", "sentence", "paragraph")}}
CHECK = {"type": "object", "required": ["constraint", "measured", "ok"], "properties": {
    "constraint": CONSTRAINT, "measured": {"type": "array", "items": COUNT_INT}, "ok": BOOLEAN}}
VERDICT = {"type": "object", "required": ["count", "constraints", "ok", "checks", "well_formed", "copy_faults"],
           "properties": {"count": COUNTS, "constraints": {"type": "array", "items": CONSTRAINT},
                          "ok": {"type": ["boolean", "null"]}, "checks": {"type": "array", "items": CHECK},
                          "well_formed": BOOLEAN, "copy_faults": {"type": "array", "items": STRING}}}
USAGE = {"type": "object", "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
         "properties": {k: COUNT_INT for k in ("prompt_tokens", "completion_tokens", "total_tokens")}}
HESUI_OPTIONS = {"type": "object", "properties": {
    "control": BOOLEAN, "n_candidates": {"type": "integer", "minimum": 1, "maximum": 8}}}
SEED = {"type": "integer", "minimum": -MAX_SEED, "maximum": MAX_SEED}

OPENAI_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type", "param", "code"],
    "properties": {"message": {"type": "string", "minLength": 1}, "type": STRING,
                   "param": {"type": ["string", "null"]}, "code": {"type": "string", "minLength": 1}}}}}
QIANFAN_ERROR = {"type": "object", "required": ["error_code", "error_msg"], "properties": {
    "error_code": {"enum": [18, 110, 336001, 336002, 336003, 336005, 336006]},
    "error_msg": {"type": "string", "minLength": 1}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _openai_errors(*statuses: int) -> dict:
    words = {400: "a bad request", 401: "no valid API key", 404: "no such model", 413: "the body is too large",
             429: "the queue is full"}
    return {str(s): _json(OPENAI_ERROR, words[s]) for s in statuses}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def openai_chat(models: list[str]) -> dict:
    """POST /v1/chat/completions."""
    part = {"type": "object", "required": ["type", "text"], "properties": {"type": {"enum": ["text"]}, "text": STRING}}
    message = {"type": "object", "required": ["role", "content"], "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant"]},
        "content": {"anyOf": [{"type": "string", "maxLength": MAX_CONTENT}, {"type": "array", "items": part}]}}}
    tokens = {"type": "integer", "minimum": 1, "maximum": 4096}
    stop = {"type": "string", "maxLength": 64}
    request = {"type": "object", "required": ["model", "messages"], "properties": {
        "model": {"enum": models},
        "messages": {"type": "array", "minItems": 1, "maxItems": MAX_MESSAGES, "items": message},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "max_tokens": tokens, "max_completion_tokens": tokens, "seed": SEED,
        "n": {"type": "integer", "minimum": 1, "maximum": 8}, "stream": BOOLEAN,
        "stream_options": {"type": "object", "properties": {"include_usage": BOOLEAN}},
        "stop": {"anyOf": [stop, {"type": "array", "maxItems": 4, "items": stop}]},
        "user": {"type": "string", "maxLength": 256}, "hesui": HESUI_OPTIONS}}
    choice = {"type": "object", "required": ["index", "message", "finish_reason"], "properties": {
        "index": COUNT_INT, "finish_reason": {"enum": ["stop", "length"]},
        "message": {"type": "object", "required": ["role", "content"], "properties": {"role": {"enum": ["assistant"]},
                                                                                       "content": STRING}}}}
    completion = {"type": "object", "required": ["id", "object", "created", "model", "choices", "usage", "hesui"],
                  "properties": {"id": STRING, "object": {"enum": ["chat.completion"]}, "created": COUNT_INT,
                                 "model": STRING, "choices": {"type": "array", "minItems": 1, "items": choice},
                                 "usage": USAGE, "hesui": VERDICT}}
    answer = {"description": "the answer; with stream, server-sent events of chat.completion.chunk",
              "content": {JSON: {"schema": completion}, "text/event-stream": {"schema": EVENT}}}
    return {"requestBody": _body(request), "responses": {"200": answer, **_openai_errors(400, 401, 404, 413, 429)}}


def qianfan_chat() -> dict:
    """POST the Qianfan chat route: every answer, errors included, is an HTTP 200."""
    message = {"type": "object", "required": ["role", "content"], "properties": {
        "role": {"enum": ["user", "assistant"]}, "content": {"type": "string", "maxLength": MAX_CONTENT}}}
    request = {"type": "object", "required": ["messages"], "properties": {
        "messages": {"type": "array", "minItems": 1, "maxItems": MAX_MESSAGES, "items": message},
        "temperature": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "penalty_score": {"type": "number", "minimum": 1, "maximum": 2},
        "max_output_tokens": {"type": "integer", "minimum": 2, "maximum": 2048}, "seed": SEED,
        "system": {"type": "string", "maxLength": 1024}, "user_id": {"type": "string", "maxLength": 256},
        "stream": BOOLEAN, "stop": {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 20}},
        "hesui": HESUI_OPTIONS}}
    fields = {"id": STRING, "object": {"enum": ["chat.completion"]}, "created": COUNT_INT, "result": STRING,
              "is_truncated": BOOLEAN, "need_clear_history": BOOLEAN, "usage": USAGE, "hesui": VERDICT}
    result = {"type": "object", "required": list(fields), "properties": fields}
    answer = {"description": "the answer or an error_code; with stream, server-sent events",
              "content": {JSON: {"schema": {"anyOf": [result, QIANFAN_ERROR]}},
                          "text/event-stream": {"schema": EVENT}}}
    return {"requestBody": _body(request), "responses": {"200": answer}}


PARSE = {
    "requestBody": _body({"type": "object", "required": ["text"], "properties": {"text": STRING}}),
    "responses": {"200": _json({"type": "object", "required": ["constraints", "source", "ignored", "description"],
                                "properties": {"constraints": {"type": "array", "items": CONSTRAINT}, "source": STRING,
                                               "description": STRING, "ignored": {"type": "array", "items": {
                                                   "type": "object", "required": ["words", "reason"],
                                                   "properties": {"words": STRING, "reason": STRING}}}}},
                               "the length constraints read in the request"),
                  **_openai_errors(400, 401, 413)}}
COUNT = {
    "requestBody": _body({"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "maxLength": MAX_CONTENT}, "request": {"type": ["string", "null"]}}}),
    "responses": {"200": _json({**VERDICT, "required": ["count", "constraints", "checks", "ok", "well_formed",
                                                        "copy_faults"]},
                               "the text's counts, and its checks against the request's constraints"),
                  **_openai_errors(400, 401, 413)}}
