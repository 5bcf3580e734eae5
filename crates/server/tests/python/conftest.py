"""Settings of the Selat server under test, passed by crates/cli/tests/taxii_client.rs."""

import os
from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def selat():
    env = os.environ
    base = env["SELAT_TAXII_URL"].rstrip("/")
    return SimpleNamespace(
        base=base,
        discovery=base + "/taxii2/",
        api_root=base + "/taxii2/selat/",
        user=env["SELAT_TAXII_USER"],
        password=env["SELAT_TAXII_PASSWORD"],
        viewer=env["SELAT_TAXII_VIEWER"],
        shared=env["SELAT_TAXII_SHARED"],
        public=env["SELAT_TAXII_PUBLIC"],
        max_content_length=int(env["SELAT_TAXII_MAX_CONTENT_LENGTH"]),
    )
