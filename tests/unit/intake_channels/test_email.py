from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.email import EmailPayload, decode_bytes, html_to_text
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]


def _word(text: str, charset: str) -> str:
    """An RFC 2047 B encoded-word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def _b64(text: str, charset: str) -> str:
    return base64.encodebytes(text.encode(charset)).decode()


def _errors(raw: str) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        EmailPayload.model_validate({"raw": raw})
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_chinese_example_gbk_multipart_alternative(example: Example) -> None:
    payload = example("email", "zh")
    assert "=?gbk?b?" in payload["raw"]
    draft = adapt("email", payload)
    assert draft.channel is Channel.EMAIL
    assert draft.customer.name == "周敏"
    assert draft.customer.email == "zhou.min@example.cn"
    assert draft.customer.phone == "13811223344"
    assert draft.content.startswith("投诉：钣金喷漆延误交车且有色差\n您好：")
    assert "左后门喷漆有明显色差" in draft.content
    assert "发自我的iPhone" not in draft.content
    assert draft.language == "zh"
    assert draft.external_id == "<20240923210745.1A2B3C4D@mail.example.cn>"
    assert draft.received_at == datetime(
        2024, 9, 23, 21, 7, 45, tzinfo=timezone(timedelta(hours=8))
    )


def test_english_example_quoted_reply_and_signature_stripped(example: Example) -> None:
    draft = adapt("email", example("email", "en"))
    assert draft.customer.name == "Robert Thompson"
    assert draft.customer.email == "r.thompson@example.co.uk"
    assert draft.customer.phone == "13500112233"
    assert draft.content.startswith("Your service appointment SR-240918-0457\nHello,")
    assert "¥2,380" in draft.content  # quoted-printable UTF-8 decoded
    assert "Kind regards," in draft.content
    assert "Shenzhen, Nanshan" not in draft.content  # after "-- "
    assert "Dear Mr Thompson" not in draft.content  # quoted
    assert "wrote:" not in draft.content
    assert draft.language == "en"
    assert draft.external_id == "<CAF8x2QmR7_9k1Lz@mail.example.co.uk>"


def test_gbk_message_mislabelled_gb2312_with_encoded_word_headers() -> None:
    # 喆 and 镕 are in GBK but not in GB2312: mail clients still label such mail gb2312.
    raw = (
        f"From: {_word('王喆', 'gbk').replace('gbk', 'gb2312')} <wangzhe@example.cn>\n"
        f"Subject: {_word('关于朱镕先生车辆', 'gbk')} {_word('维修质量的投诉', 'gb18030')}\n"
        "Date: Tue, 1 Oct 2024 08:00:00 +0800\n"
        "Message-ID: <gbk-1@example.cn>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="gb2312"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{_b64('车辆修了三次还是漏油，请给个说法。手机 139-8765-4321', 'gbk')}"
    )
    draft = adapt("email", {"raw": raw})
    assert draft.customer.name == "王喆"
    assert (
        draft.content
        == "关于朱镕先生车辆维修质量的投诉\n车辆修了三次还是漏油，请给个说法。手机 139-8765-4321"
    )
    assert draft.customer.phone == "13987654321"
    assert draft.language is None  # no Content-Language: detection decides


def test_quoted_printable_gbk_body() -> None:
    body = "发动机异响，要求检修。".encode("gbk")
    quoted = "".join(f"={byte:02X}" for byte in body)
    raw = (
        "From: li@example.cn\nSubject: =?GBK?Q?=D2=EC=CF=EC?=\n"
        "Content-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: quoted-printable\n\n"
        f"{quoted}\n"
    )
    draft = adapt("email", {"raw": raw})
    assert draft.content == "异响\n发动机异响，要求检修。"
    assert draft.customer.name == "li"  # no display name: the mailbox name
    assert draft.received_at is None
    assert draft.external_id is None


def test_multipart_with_only_html() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>The paint on my bonnet is peeling after 3 months.</p>"
        "<p>Please call me on 186&nbsp;1234&nbsp;5678 &amp; fix it.</p>"
        "<blockquote>Dear customer, thank you for your purchase.</blockquote>"
        "</body></html>"
    )
    raw = (
        "From: Anna Lee <anna.lee@example.com>\n"
        "Subject: Peeling paint\n"
        "Date: Thu, 03 Oct 2024 10:00:00 -0000\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n'
        "\n"
        "--b1\n"
        'Content-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{_b64(html, 'utf-8')}"
        "--b1\n"
        "Content-Type: image/jpeg\n"
        'Content-Disposition: attachment; filename="bonnet.jpg"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "/9j/4AAQSkZJRgABAQAAAQABAAD/\n"
        "--b1--\n"
    )
    draft = adapt("email", {"raw": raw})
    assert draft.content == (
        "Peeling paint\nThe paint on my bonnet is peeling after 3 months.\n"
        "Please call me on 186 1234 5678 & fix it."
    )
    assert draft.customer.phone == "18612345678"
    assert draft.received_at == datetime(2024, 10, 3, 10, 0, tzinfo=UTC)


def test_interleaved_quoted_lines_and_chinese_reply_header_are_stripped() -> None:
    raw = (
        "From: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.cn>\n"
        "Subject: =?UTF-8?B?5Zue5aSN77ya6aKE57qm56Gu6K6k?=\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "> 您的预约已确认。\n"
        "预约了还要排队两个小时，太不尊重人了。\n"
        "> 请准时到店。\n"
        "要求道歉。\n"
        "\n"
        "在 2024年10月2日 09:00，客服中心 <service@example-4s.com.cn> 写道：\n"
        "尊敬的客户，感谢您的预约。\n"
    )
    draft = adapt("email", {"raw": raw})
    assert draft.customer.name == "张三"
    assert draft.content == "预约确认\n预约了还要排队两个小时，太不尊重人了。\n要求道歉。"


def test_a_message_without_body_text_is_rejected() -> None:
    raw = "From: a@example.com\nSubject: complaint\nContent-Type: text/plain\n\n\n"
    [(loc, msg)] = _errors(raw)
    assert loc == ("raw",)
    assert "no body text" in msg


def test_a_message_with_only_quoted_text_and_a_signature_is_rejected() -> None:
    raw = "From: a@example.com\nSubject: Re: hi\n\n> earlier\n> words\n-- \nA. Customer\n"
    assert [loc for loc, _ in _errors(raw)] == [("raw",)]


def test_a_message_with_only_an_attachment_is_rejected() -> None:
    raw = (
        "From: a@example.com\nSubject: photos\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="x"\n\n'
        "--x\nContent-Type: image/png\nContent-Disposition: attachment\n"
        "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--x--\n"
    )
    assert [loc for loc, _ in _errors(raw)] == [("raw",)]


@pytest.mark.parametrize(
    ("from_header", "reason"),
    [(None, "no From header"), ("Customer", "no email address")],
)
def test_a_message_without_a_sender_address_is_rejected(
    from_header: str | None, reason: str
) -> None:
    head = f"From: {from_header}\n" if from_header else ""
    [(loc, msg)] = _errors(f"{head}Subject: x\n\nThe car is broken again.\n")
    assert loc == ("raw",)
    assert reason in msg


def test_the_raw_field_is_required() -> None:
    with pytest.raises(ValidationError) as caught:
        EmailPayload.model_validate({"source": "..."})
    assert [e["loc"] for e in caught.value.errors()] == [("raw",)]


def test_long_bodies_are_trimmed_to_the_record_limit() -> None:
    raw = "From: a@example.com\nSubject: long\n\n" + "很长的投诉内容。" * 1000
    assert len(adapt("email", {"raw": raw}).content) == 5000


def test_charset_fallbacks() -> None:
    assert decode_bytes("投诉".encode(), "us-ascii") == "投诉"
    assert decode_bytes("投诉".encode("gbk"), "x-unknown") == "投诉"
    assert decode_bytes("喆".encode("gbk"), "GB2312") == "喆"


def test_html_to_text_drops_scripts_and_keeps_blocks() -> None:
    html = "<div>Line one<br>Line&nbsp;two</div><script>alert(1)</script><p>Three</p>"
    assert html_to_text(html) == "Line one\nLine two\nThree"


def test_a_broken_encoded_word_is_kept_as_written() -> None:
    raw = "From: =?utf-8?B?5byg5?= <a@example.com>\nSubject: =?utf-8?B?5?=\n\nThe car is broken.\n"
    draft = adapt("email", {"raw": raw})
    assert draft.customer.email == "a@example.com"
    assert draft.content.endswith("The car is broken.")
