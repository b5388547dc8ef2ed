"""The ledger of uploads the pages ask before Generate: an upload to Streamlit's route is
in flight while it streams, and a refused one is noted with its name and the reason."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from studio.upload_ledger import UploadLedger
from studio.web.upload_watch import UploadWatch

UPLOAD = "/_stcore/upload_file/tab-1/file-{}"


def client_with(ledger: UploadLedger, limit: int) -> TestClient:
    """Streamlit's upload route as far as this matters: 413 past its limit, else 204."""

    async def upload(request: Request) -> PlainTextResponse:
        seen_while_streaming = ledger.in_flight("tab-1")
        body = await request.body()
        if len(body) > limit:
            return PlainTextResponse("File too large", status_code=413)
        return PlainTextResponse(",".join(seen_while_streaming), status_code=200)

    app = Starlette(routes=[Route("/_stcore/upload_file/{s}/{f}", upload, methods=["PUT"])])
    app.add_middleware(UploadWatch, ledger=ledger)
    return TestClient(app)


def test_an_upload_is_in_flight_while_it_streams_and_gone_after():
    ledger = UploadLedger()
    answer = client_with(ledger, 10_000).put(
        UPLOAD.format(1), files={"file": ("hum tune.wav", b"RIFF" + b"0" * 100)}
    )
    assert answer.status_code == 200 and answer.text == "hum tune.wav"
    assert ledger.in_flight("tab-1") == [] and ledger.refusals("tab-1") == []


def test_a_refused_upload_is_noted_with_its_name_and_size_until_dismissed():
    ledger = UploadLedger()
    client = client_with(ledger, 10_000)
    answer = client.put(UPLOAD.format(2), files={"file": ("big <b>.wav", b"0" * 2 * 1024**2)})
    assert answer.status_code == 413
    (refusal,) = ledger.refusals("tab-1")
    assert refusal.name == "big <b>.wav"
    assert refusal.reason.startswith("'big <b>.wav' is 2.0 MB, which is larger than")
    assert ledger.refusals("another tab") == [] and ledger.in_flight("tab-1") == []
    ledger.dismiss("tab-1")
    assert ledger.refusals("tab-1") == []


def test_other_requests_pass_untouched():
    ledger = UploadLedger()
    client = client_with(ledger, 10)
    assert client.get("/_stcore/upload_file/tab-1/x").status_code == 405
    assert ledger.refusals("tab-1") == []
