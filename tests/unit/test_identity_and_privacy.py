"""Tokens (signed, expiring, role-checked) and personal data (encrypted, hashed, masked)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import Depends, FastAPI
from hypothesis import given
from hypothesis import strategies as st

from shared.auth import InvalidTokenError, Principal, Role, TokenService, require_roles
from shared.clock import ManualClock
from shared.crypto import FieldCipher, mask_email, mask_id_number, mask_phone, mask_plate
from shared.errors import StartupError
from shared.redaction import redact
from shared.web.problems import install_problem_handlers

SECRET = "unit-test-secret-0123456789-abcdefgh"


def test_a_token_round_trips_and_expires() -> None:
    clock = ManualClock()
    tokens = TokenService(SECRET, ttl=timedelta(hours=1), clock=clock)
    head = Principal(user="hu", role=Role.DEPARTMENT_HEAD, department="after_sales")
    token = tokens.issue(head)
    assert tokens.verify(token) == head
    clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.verify(token)


def test_a_token_of_another_secret_or_tampered_is_refused() -> None:
    mine = TokenService(SECRET, ttl=timedelta(hours=1))
    theirs = TokenService(SECRET[::-1], ttl=timedelta(hours=1))
    token = theirs.issue(Principal(user="x", role=Role.ADMIN))
    with pytest.raises(InvalidTokenError):
        mine.verify(token)
    genuine = mine.issue(Principal(user="x", role=Role.AGENT))
    header, claims, signature = genuine.split(".")
    with pytest.raises(InvalidTokenError):
        mine.verify(f"{header}.{claims}.{signature[::-1]}")


def test_short_secrets_and_heads_without_department_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenService("short", ttl=timedelta(hours=1))
    with pytest.raises(ValueError, match="department"):
        Principal(user="hu", role=Role.DEPARTMENT_HEAD)


async def test_require_roles_answers_401_and_403_as_problem_documents() -> None:
    app = FastAPI()
    app.state.tokens = TokenService(SECRET, ttl=timedelta(hours=1))
    install_problem_handlers(app)

    @app.get("/agents-only")
    async def agents_only(
        who: Principal = Depends(require_roles(Role.AGENT)),
    ) -> dict[str, str]:
        return {"user": who.user}

    agent = app.state.tokens.issue(Principal(user="a", role=Role.AGENT))
    quality = app.state.tokens.issue(Principal(user="q", role=Role.QUALITY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        missing = await c.get("/agents-only")
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.headers["www-authenticate"] == "Bearer"
        assert (
            await c.get("/agents-only", headers={"Authorization": "Bearer x"})
        ).status_code == 401
        wrong = await c.get("/agents-only", headers={"Authorization": f"Bearer {quality}"})
        assert wrong.status_code == 403 and "quality" in wrong.json()["detail"]
        right = await c.get("/agents-only", headers={"Authorization": f"Bearer {agent}"})
        assert right.json() == {"user": "a"}


def test_field_cipher_round_trip_and_keyed_lookup_hash() -> None:
    key = Fernet.generate_key().decode()
    cipher = FieldCipher(key)
    secret = cipher.encrypt("13812345678")
    assert "13812345678" not in secret and cipher.decrypt(secret) == "13812345678"
    assert cipher.lookup_hash("13812345678") == cipher.lookup_hash("13812345678")
    other = FieldCipher(Fernet.generate_key().decode())
    assert other.lookup_hash("13812345678") != cipher.lookup_hash("13812345678")
    with pytest.raises(ValueError, match="decrypt"):
        other.decrypt(secret)
    with pytest.raises(StartupError, match="COMPLAINTS_DATA_KEY"):
        FieldCipher("not-a-key")


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_masked_mobile_keeps_only_its_ends(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == f"{phone[:3]}****{phone[-4:]}"  # the middle four digits never shown


def test_other_masks() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_email("zhang.wei@example.cn") == "z***@example.cn"
    assert mask_plate("京A12345") == "京A***45"


@pytest.mark.parametrize(
    ("written", "travels"),
    [
        ("联系电话：138 1122 3344，刹车异响", "联系电话：138****3344，刹车异响"),
        ("客户电话１３８１２３４５６７８，刹车异响", "客户电话138****5678，刹车异响"),
        ("call +86 135-0011-2233 or 020-87654321", "call 135****2233 or 020****4321"),
        ("身份证 11010519850315002X 要求退款", "身份证 1101**********002X 要求退款"),
        ("mail zhang.wei@example.cn please", "mail z***@example.cn please"),
        ("138.1122.3344 / 0086 139 8765 4321", "138****3344 / 139****4321"),
        ("座机010 1234 5678，或(020) 87654321", "座机010****5678，或020****4321"),
        ("电话：01087654321", "电话：010****4321"),  # no separator: the word says it
        ("身份证１１０１０５１９８５０３１５００２Ｘ", "身份证1101**********002X"),
        # not personal: amounts, dates, VINs, order and policy numbers stay readable
        ("VIN LSVAA4182E2123451，花了5000元，20240512 到店", None),
        ("VIN LSVCCA13901234567", None),
        ("订单 2024051212345678，订单号 202311250001234567", None),
        ("订单号 01012345678，保单号 01234567890，单号SO13811223344", None),
    ],
)
def test_personal_numbers_in_free_text_are_masked(written: str, travels: str | None) -> None:
    assert redact(written) == (travels or written)
    assert redact(redact(written)) == redact(written)  # masking twice changes nothing
