"""Open311 through a GeoReport v2 client nobody here wrote: PyPI's `georeport` (read-only: services, a
service's definition, requests, one request — in JSON and XML) against the live server. It offers neither
discovery nor POST, so those two go through plain HTTP as any client would send them."""

from http import HTTPStatus

import pytest
import requests
from georeport import GeoReport

from complaints.models import Complaint
from complaints.services.cases import Location, complaint_file, complaint_publish
from complaints.services.cases import open311_key_create as key_create

# Transactional (the live server's thread reads committed rows); the seeded categories are restored.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_a_third_party_georeport_client_reads_and_a_form_post_files(world, live_server):
    # given: one published report; a key for alice
    filed = complaint_file(
        actor=world.alice,
        compound=world.compound_a,
        kind="snap",
        category_code="environment",
        description="小区电梯故障",
        location=Location(building="0005", area="5号楼大堂"),
    )
    complaint_publish(actor=world.official_a, complaint=filed)
    _, key = key_create(user=world.alice, name="client")
    root = f"{live_server.url}/open311/v2"

    # when: discovery (plain HTTP)
    discovery = requests.get(f"{root}/discovery.json", timeout=10)

    # then
    assert discovery.status_code == HTTPStatus.OK
    assert discovery.json()["endpoints"][0]["formats"] == ["text/xml", "application/json"]

    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction="gongzhi.example", output_format=fmt)

        # when
        services = client.get_service_list()
        definition = client.get_service_definition("environment")
        listed = client.get_service_requests(service_code="environment", status="open")
        one = client.get_service_request(str(filed.pk))

        # then (xmltodict reads one <request> as a mapping, several as a list; values as text)
        codes = [s["service_code"] for s in services]
        assert "environment" in codes and "home_repair" not in codes
        attributes = definition["attributes"]
        first = attributes[0] if fmt == "json" else attributes["attribute"][0]
        assert (first["code"], str(first["required"]).lower()) == ("compound", "true")
        (request,) = listed if fmt == "json" else [listed]
        assert (request["service_request_id"], request["service_code"], request["description"]) == (
            str(filed.pk),
            "environment",
            "小区电梯故障",
        )
        assert (one["status"], one["agency_responsible"], one["address"]) == (
            "open",
            "青岛甲物业服务有限公司",
            "5号楼大堂，5号楼，逸景公馆",
        )

    # when: a form POST as the spec's example sends it
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "gongzhi.example",
            "service_code": "greening",
            "attribute[compound]": "QD-370212-0001",
            "lat": "36.1061",
            "long": "120.4690",
            "address_string": "中心花园",
            "first_name": "丽",
            "phone": "13912345678",
            "description": "草坪被踩出小路",
        },
        timeout=10,
    )

    # then: filed as alice, not public until the street office publishes it; then the client reads it
    assert posted.status_code == HTTPStatus.OK
    new_id = posted.json()[0]["service_request_id"]
    case = Complaint.objects.get(pk=int(new_id))
    assert (case.complainant, case.category.code, case.area, case.public) == (
        world.alice,
        "greening",
        "中心花园",
        False,
    )
    client = GeoReport(root, output_format="xml")
    with pytest.raises(requests.HTTPError):
        client.get_service_request(new_id)
    complaint_publish(actor=world.official_a, complaint=case)
    assert client.get_service_request(new_id)["address"] == "中心花园，逸景公馆"
