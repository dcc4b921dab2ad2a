"""Who may own a department's cases: anyone until the department has staff in the
directory, then only its active people; the customer is told the directory's name."""

from __future__ import annotations

from services.resolution.domain.staff import (
    StaffMember,
    departed,
    no_longer_owns,
    owner_problem,
    shown_name,
    stops_owning,
)
from shared.vocab import Department

A, S = Department.AFTER_SALES, Department.SALES
STAFF = [
    StaffMember(user="olga", name="王丽", department=A),
    StaffMember(user="otto", name="吴涛", department=A, active=False),
    StaffMember(user="sam", name="孙强", department=S),
    StaffMember(user="gao", name="高总"),
]


def code(department: Department, owner: str) -> str | None:
    problem = owner_problem(STAFF, department, owner)
    return problem.code if problem else None


def test_a_department_with_staff_takes_only_its_active_people() -> None:
    assert code(A, "olga") is None
    assert code(A, "otto") == "owner_inactive"
    assert code(A, "sam") == "owner_not_in_department"  # another department's
    assert code(A, "gao") == "owner_not_in_department"  # in the directory, owns no cases
    assert code(A, "olgaa") == "owner_not_in_department"
    problem = owner_problem(STAFF, A, "olgaa")
    assert problem is not None and problem.params["choices"] == "olga"


def test_a_department_nobody_entered_takes_any_name() -> None:
    assert code(Department.PARTS, "anyone") is None
    assert owner_problem([], A, "olga") is None


def test_the_customer_is_told_the_directorys_name_else_the_login() -> None:
    assert shown_name(STAFF, "olga") == "王丽"
    assert shown_name(STAFF, "nobody") == "nobody"
    assert shown_name(STAFF, None) == ""


def test_leaving_or_moving_takes_someone_off_their_cases() -> None:
    olga = STAFF[0]
    assert olga.user == "olga" and olga.active
    assert stops_owning(olga, olga.model_copy(update={"active": False}))
    assert stops_owning(olga, olga.model_copy(update={"department": S}))
    assert stops_owning(olga, olga.model_copy(update={"department": None}))
    assert not stops_owning(olga, olga.model_copy(update={"title": "组长", "name": "王丽丽"}))
    assert not stops_owning(None, olga.model_copy(update={"active": False}))  # a new entry
    otto = STAFF[1]
    assert not stops_owning(otto, otto.model_copy(update={"title": "前员工"}))  # gone already
    assert departed(STAFF) == {"otto"}


def test_an_owner_who_left_or_moved_no_longer_owns_their_cases() -> None:
    assert not no_longer_owns(STAFF, "olga", "after_sales")
    assert no_longer_owns(STAFF, "otto", "after_sales")  # left
    assert no_longer_owns(STAFF, "sam", "after_sales")  # a sales person on a service case
    assert no_longer_owns(STAFF, "gao", "after_sales")  # in the directory, owns no cases
    assert not no_longer_owns(STAFF, "nobody", "after_sales")  # not entered: as before
    assert not no_longer_owns(STAFF, None, "after_sales")
    assert not no_longer_owns(STAFF, "olga", None)  # no department yet
