"""The layout is the architecture: each service's domain stays pure and services meet only
in ``shared``.

Imports are read from the source (following the project's own modules transitively), so
a domain module that reaches a web framework, a broker client or a store through a
helper fails here, not in review.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "resolution", "analytics")
IO_AND_FRAMEWORKS = frozenset(
    {
        "aiokafka",
        "aiosqlite",
        "fastapi",
        "faststream",
        "httpx",
        "jinja2",
        "prometheus_client",
        "pydantic_settings",
        "pymongo",
        "sqlite3",
        "starlette",
        "structlog",
        "typer",
    }
)


def _module_path(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs (imports under ``if TYPE_CHECKING`` excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.removesuffix(".__init__")
    else:
        package = package.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    anchor = ".".join(parts[: len(parts) - node.level + 1])
                    base = f"{anchor}.{node.module}" if node.module else anchor
                else:
                    base = node.module or ""
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            for child in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, child, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    visit(inner)

    visit(tree.body)
    return found


@cache
def _reached(module: str) -> frozenset[str]:
    """Every module ``module`` reaches through the project's own code."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        path = _module_path(current)
        if path is None or current in seen:
            continue
        seen.add(current)
        for imported in _runtime_imports(path):
            if imported.split(".")[0] in {"services", "shared"}:
                todo.append(imported)
            else:
                seen.add(imported)
    return frozenset(seen)


def _domain_modules(service: str) -> list[str]:
    domain = ROOT / "services" / service / "domain"
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in domain.rglob("*.py")
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_domain_module_reaches_no_io_or_framework(service: str) -> None:
    offenders = {
        module: sorted(m for m in _reached(module) if m.split(".")[0] in IO_AND_FRAMEWORKS)
        for module in _domain_modules(service)
    }
    assert {m: bad for m, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("service", SERVICES)
def test_a_domain_module_reaches_no_adapter_or_other_service(service: str) -> None:
    """Only other domain modules of its own service and ``shared``'s pure parts."""
    allowed_shared = (
        "shared.vocab",
        "shared.contracts",
        "shared.errors",
        "shared.calendar",
        "shared.redaction",
    )
    offenders: dict[str, list[str]] = {}
    for module in _domain_modules(service):
        own = [m for m in _reached(module) if m.split(".")[0] in {"services", "shared"}]
        bad = [
            m
            for m in own
            if not m.startswith(f"services.{service}.domain")
            and not m.startswith(allowed_shared)
            and m not in {"services", f"services.{service}", "shared"}
        ]
        if bad:
            offenders[module] = sorted(bad)
    assert offenders == {}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    """Services talk over Kafka only; what they share lives in ``shared``."""
    others = [f"services.{s}" for s in SERVICES if s != service]
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _runtime_imports(path) if m.startswith(tuple(others))
        )
        for path in (ROOT / "services" / service).rglob("*.py")
    }
    assert {p: bad for p, bad in offenders.items() if bad} == {}


def test_the_import_reader_follows_helpers() -> None:
    """The checks above are only as good as this: a transitive reach must be seen."""
    reached = _reached("services.resolution.bootstrap")
    assert "fastapi" in reached or "faststream" in reached
    assert "shared.calendar" in _reached("services.resolution.domain.sla")
