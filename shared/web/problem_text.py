"""What an API refusal says to a person on a page, in their language.

The API answers in English (problem documents, RFC 9457) with a stable ``type`` per
field error and a ``code`` per conflict; pages look those up here. An unknown code falls
back to the API's English text, so a new rule is never silent, only untranslated.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from string import Formatter
from typing import Any, Final

from shared.vocab import LABELS, Department, Language, PdcaStage
from shared.web.i18n import MESSAGES
from shared.web.problems import STANDARD_MEMBERS

FIELD_ERRORS: Final[dict[str, tuple[str, str]]] = {
    # pydantic's own error types
    "missing": ("必填", "Required"),
    "string_too_short": ("至少 {min_length} 个字符", "At least {min_length} characters"),
    "string_too_long": ("最多 {max_length} 个字符", "At most {max_length} characters"),
    "string_type": ("请填写文字", "Text expected"),
    "string_pattern_mismatch": ("格式不正确", "Not in the expected format"),
    "too_long": ("最多 {max_length} 项", "At most {max_length} items"),
    "too_short": ("至少 {min_length} 项", "At least {min_length} items"),
    "enum": ("请从列表中选择：{expected}", "Choose one of {expected}"),
    "literal_error": ("请从列表中选择：{expected}", "Choose one of {expected}"),
    "int_parsing": ("请填写整数", "A whole number is expected"),
    "int_type": ("请填写整数", "A whole number is expected"),
    "float_parsing": ("请填写数字", "A number is expected"),
    "decimal_parsing": ("请填写数字", "A number is expected"),
    "greater_than": ("必须大于 {gt}", "Must be greater than {gt}"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "less_than": ("必须小于 {lt}", "Must be less than {lt}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "date_parsing": ("日期格式不正确（例如 2026-11-23）", "Not a date (e.g. 2026-11-23)"),
    "date_from_datetime_parsing": (
        "日期格式不正确（例如 2026-11-23）",
        "Not a date (e.g. 2026-11-23)",
    ),
    "datetime_parsing": ("时间格式不正确", "Not a date and time"),
    "datetime_from_date_parsing": ("时间格式不正确", "Not a date and time"),
    "timezone_aware": ("时间需要带时区", "The time needs a time zone"),
    "bool_parsing": ("请选择是或否", "Yes or no expected"),
    "extra_forbidden": ("不认识的字段", "Unknown field"),
    "json_invalid": ("内容不是有效的 JSON", "Not valid JSON"),
    # the project's own validators (shared.errors.InvalidValueError codes)
    "phone": (
        "不是有效的中国大陆电话号码：手机 11 位（1xx xxxx xxxx），固话需带区号（0xx-xxxxxxxx）",
        "Not a mainland China phone number: an 11-digit mobile (1xx xxxx xxxx)"
        " or a landline with area code (0xx-xxxxxxxx)",
    ),
    "phone_required": ("坐席登记需要客户手机号码", "The agent form needs the customer's phone"),
    "vin_length": ("车架号应为 17 位，当前为 {length} 位", "A VIN has 17 characters, not {length}"),
    "vin_characters": (
        "车架号只能包含数字和除 I、O、Q 以外的大写字母",
        "A VIN uses only digits and capital letters other than I, O and Q",
    ),
    "vin_check_digit": (
        "车架号校验位（第 9 位）应为 {expected}，不是 {found}：可能输错了",
        "The VIN's check digit (9th character) should be {expected}, not {found}: mistyped?",
    ),
    "plate": (
        "不是有效的车牌：省份简称 + 字母 + 5 位（新能源 6 位），例如 京A12345、粤BD12345",
        "Not a mainland China plate: province + letter + 5 characters"
        " (6 on a new-energy plate), e.g. 京A12345 or 粤BD12345",
    ),
    "id_number_format": (
        "身份证号应为 17 位数字加 1 位数字或 X",
        "An ID card number has 17 digits and a final digit or X",
    ),
    "id_number_birth_date": (
        "身份证号中的出生日期无效",
        "The ID card number does not contain a valid birth date",
    ),
    "id_number_check_digit": (
        "身份证号校验位不符：可能输错了",
        "The ID card number's check digit does not match: mistyped?",
    ),
    "email": ("不是有效的电子邮件地址", "Not an email address"),
    "erasure_target": (
        "请填写电话号码或投诉单号（二选一）",
        "Give either a phone number or a ticket number",
    ),
    "unreachable_customer": (
        "请至少留下电话、电子邮件或微信之一，以便联系客户",
        "A phone, an email or a WeChat openid is needed to reach the customer",
    ),
    "explanation_required": (
        "不受理的投诉须填写给客户的解释",
        "A complaint that is not valid is closed with an explanation to the customer",
    ),
    "primary_not_a_cause": (
        "主要原因必须是所选原因之一",
        "The primary cause must be one of the causes",
    ),
    "date_order": ("开始日期不能晚于结束日期", "The start date must not be after the end date"),
    "period_too_long": ("一次最多统计 {max_days} 天", "A report covers at most {max_days} days"),
    "due_in_past": ("完成期限不能早于今天", "The due date cannot be before today"),
    "same_axes": ("行与列须为不同维度", "Rows and columns must differ"),
    "staff_name_missing": (
        "投诉员工时请填写员工姓名",
        "A complaint about a staff member names the staff member",
    ),
    "attachment_empty": ("文件是空的", "The file is empty"),
    "attachment_too_large": ("文件超过 {max_mib} MB", "The file is larger than {max_mib} MB"),
    "attachment_type": (
        "只能上传照片（JPEG、PNG、WebP、HEIC）、PDF、录音（MP3、WAV、M4A）或 MP4 视频",
        "Only photos (JPEG, PNG, WebP, HEIC), PDF documents, recordings (MP3, WAV, M4A) and"
        " MP4 clips",
    ),
    "attachment_limit": (
        "每件投诉最多保存 {max_files} 个附件",
        "A complaint keeps at most {max_files} files",
    ),
    "owner_not_in_department": (
        "{owner} 不在该部门的员工名录中，请选择：{choices}",
        "{owner} is not on this department's staff; choose one of: {choices}",
    ),
    "owner_inactive": (
        "{owner} 已离职，不能再负责新的投诉，请选择：{choices}",
        "{owner} no longer works here; choose one of: {choices}",
    ),
    "follow_up_unknown": ("没有投诉 {ticket_no}", "There is no complaint {ticket_no}"),
}

CONFLICTS: Final[dict[str, tuple[str, str]]] = {
    # refusals by code: 409 (not now) and 403 (not you)
    "step_not_allowed": (
        "案件当前为“{case_status}”，不能执行“{step}”。",
        "“{step}” is not possible while the case is “{case_status}”.",
    ),
    "revise_remedy_first": (
        "方案已被驳回：请先按驳回意见修改方案，再提交审批。",
        "The remedy was rejected: propose a revised one before submitting it again.",
    ),
    "other_department_case": (
        "该投诉针对{department}，应由该部门经理（或总经理）处理。",
        "This complaint is about {department}: its head (or the general manager) takes it.",
    ),
    # 503: the service is still starting (recomputing its read models)
    "catching_up": (
        "该服务正在升级后重新计算报表，请稍后再试。",
        "This service is recomputing its reports after an upgrade: try again shortly.",
    ),
    # 403: the step is allowed now, but not for this person
    "grant_invalid": (
        "查看授权已失效或不属于您，请回到案件页面重新打开。",
        "This grant has expired or is not yours: open it again from the case page.",
    ),
    "staff_inactive": (
        "员工名录中 {user} 已离职，不能再处理案件。",
        "The staff directory says {user} no longer works here: no case steps.",
    ),
    "staff_moved": (
        "员工名录中 {user} 已调到其他部门，此案件请部门经理重新指派。",
        "The staff directory says {user} moved to another department: the head reassigns this.",
    ),
    "not_your_case": (
        "此案件属于其他部门或其他负责人。",
        "This case is another department's or another owner's.",
    ),
    "owned_by_other": (
        "此案件由 {owner} 负责，只有负责人本人可以操作。",
        "This case is {owner}'s.",
    ),
    "assign_own_department": (
        "部门经理只能把案件分派到本部门（或由总经理分派）。",
        "A head assigns cases into their own department (or the general manager does).",
    ),
    "role_may_not_step": (
        "“{role}”不能对此案件执行“{step}”。",
        "The role “{role}” may not “{step}” this case.",
    ),
    "role_not_allowed": (
        "“{role}”角色无权执行此操作。",
        "The role “{role}” may not do this.",
    ),
    "admin_no_contact": ("管理员不联系客户。", "An administrator does not contact customers."),
    "own_proposal": ("不能审批自己提出的方案。", "Nobody approves their own proposal."),
    "already_approved": ("您已经批准过此方案。", "You have already approved this remedy."),
    "other_department_approval": (
        "只有{department}的部门经理（或总经理）可以审批此方案。",
        "Only the head of {department} (or a general manager) may approve this.",
    ),
    "role_may_not_approve": (
        "“{role}”不能审批处理方案。",
        "The role “{role}” may not approve remedies.",
    ),
    "nothing_to_follow_up": (
        "该投诉在受理时已判定无效并结案，没有需要回访的处理结果。",
        "This complaint was closed at triage: there is no remedy to follow up with a call.",
    ),
    "already_called": (
        "3日回访已联系到客户，无需再次回访。",
        "The 3-day call has already reached the customer.",
    ),
    "not_your_alert": ("这条提醒是发给别人的。", "This alert was addressed to someone else."),
    "other_department": (
        "部门经理只能维护本部门（{department}）的员工名录。",
        "A department head keeps only their own department's ({department}) staff.",
    ),
    "customer_erased": (
        "该客户的个人信息已删除，无法回访。",
        "The customer's personal data was erased: there is no one to call.",
    ),
    "findings_first": (
        "请先记录调查结论（原因），再提出处理方案。",
        "Record the findings (cause) before proposing a remedy.",
    ),
    "remedy_first": ("尚无待审批的处理方案。", "There is no remedy to decide on yet."),
    "complaint_open": (
        "投诉 {tickets} 尚未结案：结案后才能删除客户的个人信息。",
        "The case of {tickets} is still open: close it before erasing the customer's data.",
    ),
    "personal_data_erased": (
        "客户的个人信息已删除，无法再查看或联系。",
        "The customer's personal data was erased: there is nothing left to show or call.",
    ),
    "case_changed": (
        "案件刚被其他人更新，请刷新页面后再试。",
        "Someone else updated the case meanwhile: reload it and try again.",
    ),
    "stage_not_allowed": (
        "该措施处于“{stage}”阶段，下一步只能推进到“{expected}”。",
        "The action is at “{stage}”; it can only move on to “{expected}”.",
    ),
    "model_outdated": (
        "模型 {version} 由旧版特征训练，无法启用，请训练新版本。",
        "Model {version} was trained with older features and cannot be activated:"
        " train a new version.",
    ),
    "model_holds_erased_words": (
        "模型 {version} 学习过已删除个人信息的投诉内容，不能再启用，请训练新版本。",
        "Model {version} learnt from complaints whose personal data was erased since:"
        " it cannot be activated; train a new version.",
    ),
    "action_changed": (
        "该措施刚被其他人更新，请刷新页面后再试。",
        "Someone else updated the action meanwhile: reload and try again.",
    ),
    "follow_up_closed": (
        "投诉 {ticket_no} 已结案，不能再并入跟进，请登记为新投诉。",
        "{ticket_no} is closed and takes no more follow-ups: register a new complaint.",
    ),
    "follow_up_other_customer": (
        "投诉 {ticket_no} 属于其他客户（电话、车架号均不同），不能并入。",
        "{ticket_no} is another customer's complaint (no phone or VIN in common).",
    ),
}

_VOCABULARY_PARAMS: Final[dict[str, type[StrEnum]]] = {
    "stage": PdcaStage,
    "expected": PdcaStage,
    "requested": PdcaStage,
    "department": Department,
}
"""Conflict parameters labelled by a vocabulary."""
_PAGE_TABLE_PARAMS: Final[dict[str, str]] = {
    "case_status": "status",
    "step": "step",
    "role": "role",
}
"""Conflict parameters labelled by the page table's ``status.*`` and ``step.*`` entries."""


def field_error_text(error: Mapping[str, Any], language: Language) -> str:
    """One field error of a 422 problem document, as the page shows it."""
    pair = FIELD_ERRORS.get(str(error.get("type", "")))
    english = str(error.get("message", "")).removeprefix("Value error, ")
    if pair is None:
        return english
    return _filled(pair, dict(error.get("params") or {}), language) or english


def conflict_text(problem: Mapping[str, Any], language: Language) -> str:
    """A 409 problem document's message, with statuses, steps and stages by their labels."""
    pair = CONFLICTS.get(str(problem.get("code", "")))
    english = str(problem.get("detail", ""))
    if pair is None:
        return english
    params = {
        key: _label(key, value, language)
        for key, value in problem.items()
        if key not in STANDARD_MEMBERS
    }
    return _filled(pair, params, language) or english


def _label(key: str, value: object, language: Language) -> object:
    if not isinstance(value, str):
        return value
    vocabulary = _VOCABULARY_PARAMS.get(key)
    if vocabulary is not None:
        pair = LABELS.get(vocabulary, {}).get(value)
    elif key in _PAGE_TABLE_PARAMS:
        pair = MESSAGES.get(f"{_PAGE_TABLE_PARAMS[key]}.{value}")
    else:
        return value
    if pair is None:
        return value
    return pair[0] if language == "zh" else pair[1]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _filled(pair: tuple[str, str], params: Mapping[str, Any], language: Language) -> str:
    template = pair[0] if language == "zh" else pair[1]
    needed = placeholders(template)
    if not needed <= set(params):
        return ""  # a parameter is missing: the English detail says more than a gap would
    return template.format(**{name: params[name] for name in needed})
