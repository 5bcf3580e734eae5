"""Selat's TAXII 2.1 server driven by the OASIS taxii2-client (taxii2client.v21), each answer
checked against the TAXII 2.1 specification: status code, media type, resource fields."""

import json
import uuid

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

TAXII = "application/taxii+json;version=2.1"


def indicator(object_id=None, modified="2024-01-01T00:00:00.000Z"):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": object_id or "indicator--" + str(uuid.uuid4()),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "Bad address",
        "pattern": "[ipv4-addr:value = '203.0.113.9']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }


def collection_url(selat, collection_id):
    return selat.api_root + "collections/" + collection_id + "/"


def shared(selat):
    return Collection(collection_url(selat, selat.shared), user=selat.user, password=selat.password)


def add(collection, objects):
    status = collection.add_objects({"objects": objects}, poll_interval=0.1, timeout=60)
    assert status.status == "complete"
    assert status.success_count == len(objects), status.failures
    assert status.failure_count == 0
    assert status.total_count == len(objects)
    assert {s["id"] for s in status.successes} == {o["id"] for o in objects}
    return status


def assert_taxii_error(response, status, error_code):
    """An error is a TAXII error message (§3.6.1) in the TAXII media type."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == TAXII
    body = response.json()
    assert isinstance(body["title"], str)
    assert body["http_status"] == str(status)
    assert body["error_code"] == error_code


def http_error(call):
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        call()
    return raised.value.response


def raw(selat, method, url, headers=None, **kwargs):
    headers = {"Accept": TAXII, **(headers or {})}
    return requests.request(method, url, headers=headers, auth=(selat.user, selat.password), **kwargs)


def test_discovery(selat):
    server = Server(selat.discovery, user=selat.user, password=selat.password)
    assert server.title
    assert [root.url for root in server.api_roots] == [selat.api_root]
    assert server.default.url == selat.api_root


def test_api_root(selat):
    root = ApiRoot(selat.api_root, user=selat.user, password=selat.password)
    root.refresh()
    assert root.title
    assert TAXII in root.versions
    assert root.max_content_length == selat.max_content_length


def test_collections_report_what_the_caller_may_do(selat):
    root = ApiRoot(selat.api_root, user=selat.user, password=selat.password)
    by_id = {c.id: c for c in root.collections}
    assert by_id[selat.shared].can_read and by_id[selat.shared].can_write
    assert by_id[selat.public].can_read and not by_id[selat.public].can_write
    viewer = ApiRoot(selat.api_root, user=selat.viewer, password=selat.password)
    assert not {c.id: c for c in viewer.collections}[selat.shared].can_write
    for collection in root.collections:
        uuid.UUID(collection.id)
        assert collection.media_types == ["application/stix+json;version=2.1"]


def test_add_get_versions_manifest_and_delete(selat):
    collection = shared(selat)
    first = indicator()
    object_id = first["id"]
    second = indicator(object_id, "2024-03-01T00:00:00.000Z")
    other = indicator()
    add(collection, [first, second, other])

    envelope = collection.get_objects(id=[object_id, other["id"]])
    assert [o["id"] for o in envelope["objects"]] == [object_id, other["id"]]
    assert envelope["objects"][0]["modified"] == "2024-03-01T00:00:00.000Z"
    assert envelope.get("more", False) is False

    latest = collection.get_object(object_id)
    assert [o["modified"] for o in latest["objects"]] == ["2024-03-01T00:00:00.000Z"]
    assert latest["objects"][0] == second, "served byte-exact from what was posted"
    for version, expected in [
        ("first", ["2024-01-01T00:00:00.000Z"]),
        ("last", ["2024-03-01T00:00:00.000Z"]),
        ("all", ["2024-01-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]),
        ("2024-01-01T00:00:00.000Z", ["2024-01-01T00:00:00.000Z"]),
        ("2024-01-01T00:00:00Z", ["2024-01-01T00:00:00.000Z"]),
    ]:
        got = collection.get_object(object_id, version=version)
        assert sorted(o["modified"] for o in got["objects"]) == expected, version

    versions = collection.object_versions(object_id)
    assert versions["versions"] == ["2024-01-01T00:00:00.000000Z", "2024-03-01T00:00:00.000000Z"]

    manifest = collection.get_manifest(id=object_id, version="all")
    records = manifest["objects"]
    assert [r["version"] for r in records] == versions["versions"]
    for record in records:
        assert record["id"] == object_id
        assert record["media_type"] == "application/stix+json;version=2.1"
        assert record["date_added"].endswith("Z")

    by_type = collection.get_objects(type="indicator", id=other["id"])
    assert [o["id"] for o in by_type["objects"]] == [other["id"]]
    assert collection.get_objects(type="malware", id=other["id"]) == {}

    collection.delete_object(other["id"])
    assert_taxii_error(http_error(lambda: collection.get_object(other["id"])), 404, "object-not-found")
    assert collection.get_objects(id=other["id"]) == {}


def test_as_pages_sees_every_object_once(selat):
    collection = shared(selat)
    objects = [indicator() for _ in range(23)]
    add(collection, objects)
    wanted = {o["id"] for o in objects}
    for endpoint in (collection.get_objects, collection.get_manifest):
        seen, pages = [], 0
        for page in as_pages(endpoint, per_request=5, type="indicator"):
            pages += 1
            assert len(page.get("objects", [])) <= 5
            seen.extend(o["id"] for o in page.get("objects", []))
        assert len(seen) == len(set(seen)), "an object was served twice"
        assert wanted <= set(seen)
        assert pages >= 5


def test_added_after_and_date_added_headers(selat):
    collection = shared(selat)
    add(collection, [indicator() for _ in range(3)])
    response = raw(selat, "GET", collection_url(selat, selat.shared) + "objects/?limit=2")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TAXII
    first = response.headers["X-TAXII-Date-Added-First"]
    last = response.headers["X-TAXII-Date-Added-Last"]
    assert first <= last
    after = collection.get_objects(added_after=last, limit=1000)
    assert {o["id"] for o in after["objects"]}.isdisjoint(o["id"] for o in response.json()["objects"])


def test_bad_accept_is_406(selat):
    for accept in ["application/json", "application/taxii+json;version=2.0"]:
        response = raw(selat, "GET", collection_url(selat, selat.shared) + "objects/", {"Accept": accept})
        assert_taxii_error(response, 406, "not-acceptable")


def test_bad_content_type_is_415(selat):
    body = json.dumps({"objects": [indicator()]})
    for content_type in ["application/json", "application/stix+json;version=2.1"]:
        response = raw(selat, "POST", collection_url(selat, selat.shared) + "objects/",
                       {"Content-Type": content_type}, data=body)
        assert_taxii_error(response, 415, "unsupported-media-type")


def test_unknown_collection_object_and_status_are_404(selat):
    unknown = Collection(collection_url(selat, str(uuid.uuid4())), user=selat.user, password=selat.password)
    assert_taxii_error(http_error(unknown.refresh), 404, "collection-not-found")
    collection = shared(selat)
    missing = "indicator--" + str(uuid.uuid4())
    assert_taxii_error(http_error(lambda: collection.get_object(missing)), 404, "object-not-found")
    assert_taxii_error(http_error(lambda: collection.object_versions(missing)), 404, "object-not-found")
    status = raw(selat, "GET", selat.api_root + "status/" + str(uuid.uuid4()) + "/")
    assert_taxii_error(status, 404, "status-not-found")
    other_root = raw(selat, "GET", selat.base + "/taxii2/elsewhere/")
    assert_taxii_error(other_root, 404, "api-root-not-found")


def test_bad_filter_values_are_400(selat):
    collection = shared(selat)
    for filters in [{"added_after": "yesterday"}, {"version": "sometimes"}, {"type": "Not_A_Type"},
                    {"id": "nope"}, {"spec_version": "two"}]:
        response = http_error(lambda: collection.get_objects(**filters))
        assert_taxii_error(response, 400, "invalid-filter")
        assert response.json()["description"]


def test_oversized_body_is_413(selat):
    collection = shared(selat)
    big = indicator()
    big["description"] = "x" * (selat.max_content_length + 1)
    response = http_error(lambda: collection.add_objects({"objects": [big]}))
    assert_taxii_error(response, 413, "payload-too-large")


def test_credentials(selat):
    url = collection_url(selat, selat.shared) + "objects/"
    anonymous = requests.get(url, headers={"Accept": TAXII})
    assert_taxii_error(anonymous, 401, "unauthorized")
    assert "WWW-Authenticate" in anonymous.headers
    wrong = requests.get(url, headers={"Accept": TAXII}, auth=(selat.user, "not the password"))
    assert_taxii_error(wrong, 401, "unauthorized")
    viewer = requests.post(url, data=json.dumps({"objects": [indicator()]}), auth=(selat.viewer, selat.password),
                           headers={"Accept": TAXII, "Content-Type": TAXII})
    assert_taxii_error(viewer, 403, "forbidden")
    public = requests.get(collection_url(selat, selat.public) + "objects/", headers={"Accept": TAXII})
    assert public.status_code == 200
    assert public.headers["Content-Type"] == TAXII
