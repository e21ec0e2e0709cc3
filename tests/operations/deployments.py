"""Operations of the deployments group."""

from __future__ import annotations

from tests.operations import Op

LISTED = {
    "id": "cm7p0x1yz0001abcd",
    "createdAt": "2025-02-28T10:00:00.000Z",
    "shortCode": "a1b2c3d4",
    "version": "20250228.1",
    "runtime": "node",
    "runtimeVersion": "22.12.0",
    "status": "DEPLOYED",
    "deployedAt": None,
    "git": None,
}
DETAIL = {
    "id": "cm7p0x1yz0001abcd",
    "status": "DEPLOYED",
    "contentHash": "9f86d081884c7d65",
    "shortCode": "a1b2c3d4",
    "version": "20250228.1",
    "imageReference": None,
    "imagePlatform": "linux/amd64",
    "errorData": None,
}

OPERATIONS = [
    Op(
        "GET",
        "/api/v1/deployments",
        lambda c: c.deployments.list(limit=5),
        {"data": [LISTED], "pagination": {}},
    ),
    Op("GET", "/api/v1/deployments/current", lambda c: c.deployments.retrieve_current(), LISTED),
    Op(
        "GET",
        "/api/v1/deployments/{deploymentId}",
        lambda c: c.deployments.retrieve("cm7p0x1yz0001abcd"),
        DETAIL,
    ),
    Op("GET", "/api/v1/deployments/latest", lambda c: c.deployments.retrieve_latest(), DETAIL),
    Op(
        "POST",
        "/api/v1/deployments/{version}/promote",
        lambda c: c.deployments.promote("20250228.1", allow_rollbacks=True),
        {"id": "cm7p0x1yz0001abcd", "version": "20250228.1", "shortCode": "a1b2c3d4"},
    ),
]
