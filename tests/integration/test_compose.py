"""Static checks of docker-compose.yml and deploy/nginx.conf.

The compose stack (Kafka, MongoDB, the three services, nginx) cannot be started on machines
without a Docker engine, CI included, so its wiring is checked by reading the files instead:
every service talks to the compose `kafka` and `mongo` services (never to localhost), waits
for them to be healthy, runs its own `serve <name>` from one shared image, and nginx forwards
each path prefix, unchanged, to the matching service.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"

APP_SERVICES = ("intake", "resolution", "analytics")
INFRA_SERVICES = ("kafka", "mongo", "proxy")
APP_PORT = 8000
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def services() -> dict[str, dict[str, Any]]:
    found = load_compose().get("services")
    assert isinstance(found, dict), "docker-compose.yml has no services mapping"
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as a KEY=VALUE list."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {key: value for key, _, value in pairs}
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def command(service: dict[str, Any]) -> list[str]:
    raw = service.get("command")
    return raw.split() if isinstance(raw, str) else [str(part) for part in raw or []]


def healthcheck_text(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return " ".join(test) if isinstance(test, list) else str(test or "")


def image_of(name: str) -> str:
    return str(services()[name].get("image", ""))


def nginx_locations() -> dict[str, str]:
    """Each nginx ``location`` prefix mapped to its body, comments removed."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))
    pattern = re.compile(r"location\s+(?:(=|\^~)\s+)?(\S+)\s*\{([^{}]*)\}")
    return {f"{match[1] or ''} {match[2]}".strip(): match[3] for match in pattern.finditer(text)}


def proxy_target(block: str) -> str:
    """The ``proxy_pass`` URL of a location block with its ``set $var`` values filled in."""
    variables = dict(re.findall(r"\bset\s+\$(\w+)\s+([^;\s]+)\s*;", block))
    targets = re.findall(r"\bproxy_pass\s+([^;\s]+)\s*;", block)
    assert len(targets) == 1, f"expected one proxy_pass, found {targets}"
    return re.sub(r"\$(\w+)", lambda ref: variables.get(ref[1], ref[0]), targets[0])


def test_compose_file_parses() -> None:
    assert isinstance(load_compose()["services"], dict)


def test_all_services_are_defined() -> None:
    missing = set(APP_SERVICES + INFRA_SERVICES) - set(services())
    assert not missing, f"missing services: {sorted(missing)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_runs_its_own_serve_command(name: str) -> None:
    assert command(services()[name]) == ["serve", name]


def test_app_services_share_one_image() -> None:
    found = services()
    sources = {
        (str(found[name].get("image")), str(found[name].get("build"))) for name in APP_SERVICES
    }
    assert len(sources) == 1, f"services use different images/builds: {sources}"
    assert any("build" in found[name] for name in APP_SERVICES), "nothing builds the image"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_kafka_bootstrap_is_the_kafka_service(name: str) -> None:
    bootstrap = environment(services()[name])["COMPLAINTS_KAFKA_BOOTSTRAP"]
    assert bootstrap, "an empty bootstrap would start an embedded broker per container"
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        assert host == "kafka" and port == "9092", server
    assert image_of("kafka").startswith("apache/kafka:")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_mongo_url_is_the_mongo_replica_set(name: str) -> None:
    url = urlsplit(environment(services()[name])["COMPLAINTS_MONGO_URL"])
    assert url.scheme == "mongodb"
    assert url.hostname == "mongo"
    assert image_of("mongo").startswith("mongo:")
    mongo_command = command(services()["mongo"])
    repl_set = mongo_command[mongo_command.index("--replSet") + 1]
    assert parse_qs(url.query).get("replicaSet") == [repl_set]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_never_points_at_loopback(name: str) -> None:
    for key, value in environment(services()[name]).items():
        if key in {"COMPLAINTS_HOST", "FORWARDED_ALLOW_IPS"}:
            continue  # the listen address and proxy trust, not a peer
        for host in LOOPBACK_HOSTS:
            assert host not in value, f"{name}: {key}={value} points at {host}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_secrets_are_required_from_environment(name: str) -> None:
    env = environment(services()[name])
    for key in ("COMPLAINTS_TOKEN_SECRET", "COMPLAINTS_DATA_KEY"):
        assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", env[key]), f"{key}={env[key]}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_healthcheck_hits_its_readyz(name: str) -> None:
    assert f"localhost:{APP_PORT}/{name}/readyz" in healthcheck_text(services()[name])


@pytest.mark.parametrize("name", ("kafka", "mongo"))
def test_infrastructure_has_healthcheck(name: str) -> None:
    assert healthcheck_text(services()[name])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_waits_for_healthy_kafka_and_mongo(name: str) -> None:
    depends_on = services()[name].get("depends_on")
    assert isinstance(depends_on, dict), "depends_on must use the long form with conditions"
    for dependency in ("kafka", "mongo"):
        assert depends_on[dependency]["condition"] == "service_healthy", dependency


def test_proxy_waits_for_healthy_services_but_not_for_analytics_catching_up() -> None:
    """Analytics is not ready while it recomputes its cube after an upgrade (minutes at a
    million complaints): the proxy must not keep intake and resolution out meanwhile."""
    depends_on = services()["proxy"]["depends_on"]
    conditions = {name: depends_on[name]["condition"] for name in APP_SERVICES}
    assert conditions == {
        "intake": "service_healthy",
        "resolution": "service_healthy",
        "analytics": "service_started",
    }


def test_mongo_runs_as_replica_set() -> None:
    mongo = services()["mongo"]
    assert "--replSet" in command(mongo)
    assert "rs.initiate" in healthcheck_text(mongo), "nothing initiates the replica set"


def test_named_volumes_are_declared() -> None:
    declared = set(load_compose().get("volumes") or {})
    used: set[str] = set()
    for service in services().values():
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                if volume.get("type", "volume") == "volume" and volume.get("source"):
                    used.add(str(volume["source"]))
                continue
            source, separator, _ = str(volume).partition(":")
            if separator and not source.startswith((".", "/", "~", "$")):
                used.add(source)
    assert used, "no named volumes found"
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"


def test_proxy_mounts_nginx_conf() -> None:
    mounts = [str(volume) for volume in services()["proxy"].get("volumes") or []]
    assert any(mount.startswith("./deploy/nginx.conf:") for mount in mounts), mounts


@pytest.mark.parametrize("name", APP_SERVICES)
def test_nginx_forwards_prefix_to_its_service(name: str) -> None:
    locations = nginx_locations()
    assert f"/{name}/" in locations, f"no location /{name}/ in {NGINX_CONF.name}"
    target = urlsplit(proxy_target(locations[f"/{name}/"]))
    assert target.scheme == "http"
    assert target.hostname == name and name in services()
    assert target.port == APP_PORT
    assert target.path == "", "a URI part in proxy_pass would strip the prefix"


def test_nginx_redirects_root_to_intake() -> None:
    block = nginx_locations().get("= /", "")
    assert re.search(r"\breturn\s+30[1278]\s+/intake/\s*;", block), block
