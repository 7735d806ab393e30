"""The OpenAPI schema documents the public interface and the browsable docs use only local assets (api.md)."""

import re
from http import HTTPStatus

import pytest
from django.test import Client

REGISTRY_PATHS = {
    "/api/v1/auth/token/": "post",
    "/api/v1/auth/logout/": "post",
    "/api/v1/accounts/signup/": "post",
    "/api/v1/me/": "get",
    "/api/v1/compounds/": "get",
    "/api/v1/compounds/{code}/": "get",
    "/api/v1/compounds/{code}/units/": "get",
    "/api/v1/units/{unit_number}/": "get",
    "/api/v1/units/{unit_number}/designated-voter/": "post",
}


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == HTTPStatus.OK
    return response.json()


def test_schema_is_served(db):
    # when
    response = Client().get("/api/schema/")

    # then
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


def test_schema_documents_every_registry_path(schema: dict):
    # then
    missing = [(p, m) for p, m in REGISTRY_PATHS.items() if m not in schema["paths"].get(p, {})]
    assert missing == []


def test_schema_documents_errors_and_bodies(schema: dict):
    # given
    paths = schema["paths"]

    # then
    voter = paths["/api/v1/units/{unit_number}/designated-voter/"]["post"]
    assert sorted(voter["responses"]) == ["200", "400", "401", "403", "404"]
    assert voter["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert sorted(schema["components"]["schemas"]["Error"]["properties"]) == ["code", "extra", "message"]
    signup = paths["/api/v1/accounts/signup/"]["post"]
    assert sorted(signup["responses"]) == ["201", "400", "413", "429"]
    assert sorted(paths["/api/v1/auth/token/"]["post"]["responses"]) == ["200", "400", "413", "429"]
    assert sorted(paths["/api/v1/auth/logout/"]["post"]["responses"]) == ["204", "401"]
    assert signup["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OwnerSignupRequest"
    }
    units = paths["/api/v1/compounds/{code}/units/"]["get"]
    assert units["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedUnitList"
    }
    assert {"page", "page_size", "building"} <= {p["name"] for p in units["parameters"]}
    compounds = paths["/api/v1/compounds/"]["get"]
    assert {"page", "page_size", "community", "q"} <= {p["name"] for p in compounds["parameters"]}
    assert paths["/api/v1/auth/token/"]["post"].get("security") in (None, [])


def test_docs_render_with_local_assets_only(db):
    # when
    response = Client().get("/api/docs/")
    script = Client().get("/api/docs/", {"script": ""})

    # then: the page's start-up script is a file of its own (no inline script under the CSP), served here
    assert response.status_code == script.status_code == HTTPStatus.OK
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3  # stylesheet and the two Swagger UI bundles
    assert [a for a in assets if not a.startswith("/static/")] == ["/api/docs/?script="]
    assert re.search(r"https?://", html) is None
    assert "/api/schema/" in script.content.decode()


def test_schema_documents_signup_for_every_holder(schema: dict):
    # then: `representative` is optional in the contract; /me shows the holder type and representative
    signup = schema["components"]["schemas"]["OwnerSignupRequest"]
    assert sorted(signup["required"]) == ["id_number", "name", "password", "phone", "username"]
    assert signup["properties"]["representative"]["maxLength"] == 64
    me = schema["components"]["schemas"]["MeOwner"]
    assert {"holder_type", "representative"} <= set(me["required"])
    description = schema["paths"]["/api/v1/accounts/signup/"]["post"]["description"]
    for code in ("identity_not_matched", "representative_required", "representative_not_allowed"):
        assert f"`{code}`" in description
