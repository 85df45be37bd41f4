"""Domains: DNS records, verification against a real DNS server on loopback, conflicts and deletion."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Zone


def new_name() -> str:
    return f"d{uuid.uuid4().hex[:10]}.example.org"


def test_create_domain_shows_the_records_to_publish(api: httpx.Client) -> None:
    name = new_name()
    response = api.post("/v1/domains", json={"name": name.upper() + "."})
    assert response.status_code == 201
    domain = response.json()
    assert domain["id"].startswith("dom_") and domain["name"] == name
    assert domain["status"] == "pending" and domain["verified_at"] is None
    records = {(r["type"], r["name"]): r for r in domain["records"]}
    assert records[("MX", name)]["priority"] == 10
    assert records[("TXT", name)]["value"].startswith("v=spf1")
    assert records[("TXT", f"_dmarc.{name}")]["value"].startswith("v=DMARC1")
    assert records[("TXT", f"_mailman.{name}")]["value"].startswith("mailman-verification=")
    assert all(r["status"] == "missing" for r in domain["records"])
    assert api.get(f"/v1/domains/{domain['id']}").json() == domain


def test_duplicate_and_malformed_domains_are_refused(api: httpx.Client) -> None:
    name = new_name()
    assert api.post("/v1/domains", json={"name": name}).status_code == 201
    again = api.post("/v1/domains", json={"name": name})
    assert again.status_code == 409 and again.json()["code"] == "domain_exists"
    bad = api.post("/v1/domains", json={"name": "not a domain"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "name", "message": "must be a domain name such as mail.example.com"}]


def test_verify_reads_dns_and_records_domain_verified(api: httpx.Client, dns_zone: tuple[Zone, int]) -> None:
    zone, _ = dns_zone
    domain = api.post("/v1/domains", json={"name": new_name()}).json()
    records = {(r["type"], r["name"]): r for r in domain["records"]}

    # Only the MX and a wrong SPF are published: the domain fails, record by record.
    mx = records[("MX", domain["name"])]
    zone.publish(f"{mx['name']}. 60 IN MX 10 {mx['value']}.", f'{domain["name"]}. 60 IN TXT "v=spf1 -all"')
    failed = api.post(f"/v1/domains/{domain['id']}/verify").json()
    assert failed["status"] == "failed"
    statuses = {(r["type"], r["name"]): r["status"] for r in failed["records"]}
    assert statuses[("MX", domain["name"])] == "valid"
    assert statuses[("TXT", domain["name"])] == "invalid"
    assert statuses[("TXT", f"_dmarc.{domain['name']}")] == "missing"

    zone.records = [line for line in zone.records if "v=spf1 -all" not in line]
    for record in domain["records"]:
        if record["type"] == "TXT":
            zone.publish(f'{record["name"]}. 60 IN TXT "{record["value"]}"')
    verified = api.post(f"/v1/domains/{domain['id']}/verify").json()
    assert verified["status"] == "verified" and verified["verified_at"] is not None
    assert {r["status"] for r in verified["records"]} == {"valid"}

    events = api.get("/v1/events", params={"type": "domain.verified"}).json()["data"]
    assert any(e["data"]["domain"]["id"] == domain["id"] for e in events)


def test_delete_domain_refuses_while_inboxes_use_it(api: httpx.Client) -> None:
    domain = api.post("/v1/domains", json={"name": new_name()}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "sales"}).json()
    refused = api.delete(f"/v1/domains/{domain['id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "domain_in_use"
    assert api.delete(f"/v1/inboxes/{inbox['id']}").status_code == 204
    assert api.delete(f"/v1/domains/{domain['id']}").status_code == 204
    assert api.get(f"/v1/domains/{domain['id']}").status_code == 404


def test_default_domain_is_verified_and_cannot_be_deleted(api: httpx.Client) -> None:
    domains = api.get("/v1/domains", params={"limit": 100}).json()["data"]
    default = next(d for d in domains if d["name"] == "mailman.test")
    assert default["status"] == "verified"
    # Public DNS knows nothing of mailman.test; verifying it must not un-verify it.
    assert api.post(f"/v1/domains/{default['id']}/verify").json()["status"] == "verified"
    refused = api.delete(f"/v1/domains/{default['id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "domain_in_use"


def test_list_domains_by_name(api: httpx.Client) -> None:
    name = f"find-{uuid.uuid4().hex[:8]}.example.org"
    domain = api.post("/v1/domains", json={"name": name}).json()
    assert [d["id"] for d in api.get("/v1/domains", params={"name": f"{name.upper()}."}).json()["data"]] == [
        domain["id"]
    ]
    assert api.get("/v1/domains", params={"name": f"x{name}"}).json()["data"] == []
