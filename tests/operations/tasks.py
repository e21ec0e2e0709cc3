"""Operations of the tasks group: trigger, idempotency-key reset, payload packets."""

from __future__ import annotations

from tests.operations import Op

OPERATIONS = [
    Op(
        "POST",
        "/api/v1/tasks/{taskIdentifier}/trigger",
        lambda c: c.tasks.trigger("send-email", {"to": "a@example.com"}),
        {"id": "run_1", "isCached": False},
    ),
    Op(
        "POST",
        "/api/v1/idempotencyKeys/{idempotencyKey}/reset",
        lambda c: c.idempotency_keys.reset("send-email", "order-42"),
        {"id": "key_1"},
    ),
    Op(
        "PUT",
        "/api/v2/packets/{filename}",
        lambda c: c.packets.create_upload_url("payload-1.json"),
        {"presignedUrl": "https://storage.example.com/put", "storagePath": "p/run_1/payload.json"},
    ),
    Op(
        "GET",
        "/api/v1/packets/{filename}",
        lambda c: c.packets.retrieve_download_url("payload-1.json"),
        {"presignedUrl": "https://storage.example.com/get"},
    ),
]
