"""Page helpers: API problems to field messages, step forms to JSON, queue order, menus."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData

from services.intake.pages import complaint_body
from services.resolution.domain.workflow import Step
from services.resolution.pages import missed_notices, offered_steps, sort_cases, step_body
from shared.auth import Principal, Role
from shared.vocab import Department, Language
from shared.web.pages import field_errors, format_duration, navigation, problem_message


def test_problem_errors_become_messages_by_field() -> None:
    problem = {
        "errors": [
            {"path": "body.customer.phone", "message": "Value error, not a phone number"},
            {"path": "body", "message": "the agent form needs a phone"},
            {"path": "body.customer.phone", "message": "a second message is not shown"},
        ]
    }
    assert field_errors(problem, "zh") == {
        "customer.phone": "not a phone number",
        "": "the agent form needs a phone",
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh", {"vehicle.vin": "车架号应为 17 位，当前为 12 位", "content": "必填"}),
        ("en", {"vehicle.vin": "A VIN has 17 characters, not 12", "content": "Required"}),
    ],
)
def test_field_errors_speak_the_pages_language(language: Language, expected: object) -> None:
    problem = {
        "errors": [
            {
                "path": "body.vehicle.vin",
                "message": "Value error, a VIN has 17 characters, this one has 12",
                "type": "vin_length",
                "params": {"length": 12},
            },
            {"path": "body.content", "message": "Field required", "type": "missing"},
        ]
    }
    assert field_errors(problem, language) == expected


def test_a_conflict_names_status_and_step_in_the_pages_language() -> None:
    problem = {
        "status": 409,
        "detail": "cannot approve a case that is investigating; allowed: ...",
        "code": "step_not_allowed",
        "step": "approve",
        "case_status": "investigating",
    }
    assert problem_message(problem, "zh") == "案件当前为“调查中”，不能执行“批准”。"
    english = "“Approve” is not possible while the case is “Investigating”."
    assert problem_message(problem, "en") == english
    assert problem_message({"detail": "something new", "code": "unknown"}, "zh") == "something new"


def test_the_agent_form_leaves_out_what_was_not_typed() -> None:
    form = FormData(
        [
            ("channel", "hotline"),
            ("customer.name", " 张伟 "),
            ("customer.phone", ""),
            ("vehicle.plate", "粤B12345"),
            ("vehicle.vin", ""),
            ("content", "刹车异响"),
            ("demands", "repair"),
            ("demands", "apology"),
        ]
    )
    assert complaint_body(form) == {
        "channel": "hotline",
        "customer": {"name": "张伟"},
        "vehicle": {"plate": "粤B12345"},
        "content": "刹车异响",
        "demands": ["repair", "apology"],
        "marked_urgent": False,
    }


def test_the_agent_form_names_what_the_complaint_is_about() -> None:
    def target(*fields: tuple[str, str]) -> object:
        form = FormData([("channel", "hotline"), ("content", "销售顾问态度差"), *fields])
        return complaint_body(form).get("target")

    assert target(("target.kind", ""), ("target.department", "")) is None
    assert target(("target.kind", "policy")) == {"kind": "policy"}
    # a name or a department typed without choosing the kind says the kind
    assert target(("target.staff_name", " 王强 "), ("target.department", "sales")) == {
        "kind": "staff",
        "department": "sales",
        "staff_name": "王强",
    }
    assert target(("target.department", "parts")) == {"kind": "department", "department": "parts"}


def test_step_forms_become_the_commands_json() -> None:
    findings = FormData(
        [
            ("version", "4"),
            ("findings", "刹车盘变形"),
            ("causes", "product_quality"),
            ("primary_cause", "product_quality"),
            ("touchpoint", ""),
        ]
    )
    assert step_body(Step.RECORD_FINDINGS, findings) == {
        "findings": "刹车盘变形",
        "causes": ["product_quality"],
        "primary_cause": "product_quality",
    }
    assert step_body(Step.TRIAGE, FormData([("valid", "false")])) == {"valid": False}
    assert step_body(Step.RESOLVE, FormData([("customer_notified", "true")])) == {
        "customer_notified": True
    }
    assert step_body(Step.RESOLVE, FormData([])) == {}  # the API answers 422 for the field


def _case(ticket: str, status: str, seconds_left: int, urgency: str = "normal") -> dict[str, Any]:
    return {
        "ticket_no": ticket,
        "status": status,
        "urgency": urgency,
        "registered_at": ticket,
        "sla": {"seconds_left": seconds_left},
    }


def test_the_queue_puts_the_most_pressing_first_and_finished_cases_last() -> None:
    cases = [
        _case("A", "investigating", 3600),
        _case("B", "resolved", -100),
        _case("C", "assigned", -7200),
        _case("D", "registered", 90000, urgency="critical"),
    ]
    assert [c["ticket_no"] for c in sort_cases(cases, "due", False)] == ["C", "A", "D", "B"]
    assert next(c["ticket_no"] for c in sort_cases(cases, "urgency", False)) == "D"
    assert [c["ticket_no"] for c in sort_cases(cases, "ticket", True)] == ["D", "C", "B", "A"]


def test_each_role_is_offered_only_its_steps_and_pages() -> None:
    case = {"owner": "olga", "allowed_steps": ["start_investigation", "escalate", "reassign"]}
    olga = Principal(user="olga", role=Role.OWNER)
    other = Principal(user="oscar", role=Role.OWNER)
    head = Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES)
    assert offered_steps(case, olga) == ["start_investigation", "escalate"]
    assert offered_steps(case, other) == ["escalate"]
    assert offered_steps(case, head) == ["start_investigation", "escalate", "reassign"]
    assert offered_steps(case, Principal(user="q", role=Role.QUALITY)) == []
    assert next(item.href for item in navigation(Role.QUALITY)) == "/analytics/ui/"
    assert all("approvals" not in item.href for item in navigation(Role.AGENT))


def test_durations_read_as_staff_say_them() -> None:
    assert format_duration(5 * 3600 + 12 * 60, "zh") == "5小时 12分"
    assert format_duration(-(26 * 3600), "en") == "1d 2h"
    assert format_duration(59, "en") == "0min"


def test_the_owner_is_asked_to_call_for_news_that_failed_since_anyone_talked_to_them() -> None:
    def notice(status: str, at: str) -> dict[str, str]:
        return {"status": status, "at": at}

    failed = notice("failed", "2026-12-07T10:00:00Z")
    notices = [
        failed,
        notice("expired", "2026-12-07T08:00:00.5+00:00"),
        notice("undeliverable", "2026-12-07T11:00:00Z"),  # nobody can call: no number
        notice("sent", "2026-12-07T12:00:00Z"),
    ]
    assert missed_notices({"timeline": []}, notices) == notices[:2]
    called = {"timeline": [{"step": "record_contact", "at": "2026-12-07T09:00:00+00:00"}]}
    assert missed_notices(called, notices) == [failed]
