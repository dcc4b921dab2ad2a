"""The store contract suite runs on every backend: SQLite always; MongoDB when
COMPLAINTS_TEST_MONGO_URL names a replica set, or when a Docker engine can start one."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def _docker_mongo() -> Iterator[str | None]:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        yield None
        return
    from testcontainers.mongodb import MongoDbContainer

    container = MongoDbContainer("mongo:7.0").with_command("--replSet rs0 --bind_ip_all")
    with container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(27017)
        container.exec(
            "mongosh --quiet --eval "
            "\"rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})\""
        )
        yield f"mongodb://{host}:{port}/?directConnection=true"


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str | None]:
    configured = os.environ.get("COMPLAINTS_TEST_MONGO_URL")
    if configured:
        yield configured
        return
    yield from _docker_mongo()


@pytest.fixture(params=["sqlite", "mongo"])
def backend(request: pytest.FixtureRequest, mongo_url: str | None) -> str:
    if request.param == "mongo" and mongo_url is None:
        pytest.skip("MongoDB not available: set COMPLAINTS_TEST_MONGO_URL or run a Docker engine")
    return str(request.param)
