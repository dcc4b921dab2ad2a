"""The one translation table of the web pages: every UI string in Chinese and English.

Codes of the domain vocabulary are labelled by :mod:`shared.vocab`; this table holds
what the vocabulary does not (page texts, roles, case statuses, steps, remedy types),
so a missing translation is one failing unit test, not a half-English page.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from shared.vocab import LABELS, Language

LANGUAGES: Final[tuple[Language, ...]] = ("zh", "en")
DEFAULT_LANGUAGE: Final[Language] = "zh"

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # layout and navigation
    "app.title": ("客户投诉处理系统", "Complaint handling"),
    "app.dealer": ("汽车4S店", "Car dealership"),
    "nav.home": ("首页", "Home"),
    "nav.new_complaint": ("登记投诉", "New complaint"),
    "nav.search": ("查询投诉", "Search"),
    "nav.cases": ("案件列表", "Cases"),
    "nav.my_cases": ("我的案件", "My cases"),
    "nav.department_cases": ("本部门案件", "Department cases"),
    "nav.approvals": ("待我审批", "Approvals"),
    "nav.quality": ("质量看板", "Quality dashboard"),
    "nav.signin": ("登录", "Sign in"),
    "nav.signout": ("退出", "Sign out"),
    "nav.language": ("English", "中文"),
    "nav.signed_in_as": ("当前用户", "Signed in as"),
    # roles
    "role.agent": ("坐席/前台", "Agent"),
    "role.owner": ("案件负责人", "Case owner"),
    "role.department_head": ("部门经理", "Department head"),
    "role.general_manager": ("总经理", "General manager"),
    "role.quality": ("质量专员", "Quality"),
    "role.admin": ("管理员", "Administrator"),
    "role.system": ("系统", "System"),
    # sign-in
    "signin.title": ("登录", "Sign in"),
    "signin.token": ("访问令牌", "Access token"),
    "signin.token_help": (
        "粘贴由 .venv/bin/complaints token 生成的令牌。",
        "Paste a token made with .venv/bin/complaints token.",
    ),
    "signin.submit": ("登录", "Sign in"),
    "signin.invalid": ("令牌无效或已过期，请重新获取。", "The token is invalid or has expired."),
    "signin.demo": ("演示用户", "Demo users"),
    "signin.demo_help": (
        "演示模式：选择一个角色直接登录。",
        "Demo mode: pick a role to sign in at once.",
    ),
    "signin.required": ("请先登录。", "Please sign in first."),
    "home.title": ("欢迎", "Welcome"),
    "home.intro": ("请选择要进行的工作：", "Choose what to work on:"),
    "home.lead.agent": (
        "登记客户投诉、查询已有投诉。",
        "Record complaints and look up existing ones.",
    ),
    "home.lead.owner": (
        "处理分配给您的案件：调查原因、提出方案、执行并回访。",
        "Work your cases: investigate, propose a remedy, execute and follow up.",
    ),
    "home.lead.department_head": (
        "分派本部门案件，审批处理方案。",
        "Assign your department's cases and approve remedies.",
    ),
    "home.lead.general_manager": (
        "查看全部案件，审批大额方案。",
        "See every case and approve large remedies.",
    ),
    "home.lead.quality": ("查看投诉原因与趋势。", "Review causes and trends."),
    "home.lead.admin": ("全部功能。", "Everything."),
    # errors
    "error.forbidden": ("无权访问", "Not allowed"),
    "error.forbidden_text": (
        "您的角色不能使用此页面或执行此操作。",
        "Your role may not use this page or take this step.",
    ),
    "error.other_site": (
        "此请求来自其他网站，已拒绝。请在本系统的页面上操作。",
        "This request came from another site and was refused: use this system's own pages.",
    ),
    "error.not_found": ("未找到", "Not found"),
    "error.conflict": ("当前不能执行此步骤", "This step cannot be taken now"),
    "error.invalid": ("请检查标红的字段。", "Please check the fields marked in red."),
    "error.details": ("系统说明", "Details"),
    "error.back": ("返回", "Back"),
    "dash.export_failed": ("无法导出该报表", "This report cannot be exported"),
    # the complaint form
    "form.title": ("登记客户投诉", "Record a complaint"),
    "form.channel": ("受理渠道", "Channel"),
    "form.customer": ("客户信息", "Customer"),
    "form.customer_name": ("客户姓名", "Customer name"),
    "form.customer_phone": ("联系电话", "Phone"),
    "form.vehicle": ("车辆信息", "Vehicle"),
    "form.vin": ("车架号 (VIN)", "VIN"),
    "form.plate": ("车牌号", "Plate"),
    "form.model": ("车型", "Model"),
    "form.complaint": ("投诉内容", "Complaint"),
    "form.content": ("客户原话", "In the customer's words"),
    "form.demands": ("客户诉求", "Customer demands"),
    "form.demand_note": ("诉求说明", "Demand note"),
    "form.marked_urgent": ("标记为紧急", "Mark as urgent"),
    "form.submit": ("提交登记", "Register"),
    "form.open_warning": (
        "该客户已有未结案的投诉：",
        "This customer already has an open complaint:",
    ),
    "form.open_warning_help": (
        "如为同一事项，新登记将作为跟进并入原投诉。",
        "If it is the same matter, it will be linked to that complaint as a follow-up.",
    ),
    "form.general_error": ("提交未成功", "Not registered"),
    "result.title": ("投诉已受理", "Complaint registered"),
    "result.linked": (
        "已作为跟进并入原投诉",
        "Linked to the open complaint as a follow-up",
    ),
    "result.replayed": ("该投诉此前已登记", "This complaint was registered before"),
    "result.ticket": ("受理编号", "Ticket number"),
    "result.ack": ("回复客户的确认信息", "Acknowledgement to the customer"),
    "result.urgency": ("紧急程度", "Urgency"),
    "result.another": ("继续登记", "Record another"),
    "result.view_case": ("查看案件", "View the case"),
    # search
    "search.title": ("查询投诉", "Find complaints"),
    "search.by": ("查询方式", "Search by"),
    "search.ticket": ("受理编号", "Ticket"),
    "search.phone": ("电话", "Phone"),
    "search.vin": ("车架号", "VIN"),
    "search.plate": ("车牌", "Plate"),
    "search.value": ("查询内容", "Search for"),
    "search.submit": ("查询", "Search"),
    "search.none": ("没有找到投诉。", "No complaints found."),
    "search.results": ("查询结果", "Results"),
    "search.state_open": ("处理中", "Open"),
    "search.state_closed": ("已结案", "Closed"),
    # complaint fields in lists
    "field.ticket": ("编号", "Ticket"),
    "field.received_at": ("受理时间", "Received"),
    "field.submitted_at": ("客户提交于", "Sent by the customer"),
    "field.channel": ("渠道", "Channel"),
    "field.customer": ("客户", "Customer"),
    "field.content": ("内容", "Content"),
    "field.urgency": ("紧急程度", "Urgency"),
    "field.status": ("状态", "Status"),
    "field.owner": ("负责人", "Owner"),
    "field.department": ("部门", "Department"),
    "field.sla": ("48小时时限", "48-hour SLA"),
    "field.due_at": ("截止时间", "Due"),
    "field.state": ("状态", "State"),
    "field.vehicle": ("车辆", "Vehicle"),
    "field.demands": ("诉求", "Demands"),
    "field.remedy": ("处理方案", "Remedy"),
    "field.amount": ("金额（元）", "Amount (CNY)"),
    "field.findings": ("调查结论", "Findings"),
    "field.causes": ("原因", "Causes"),
    "field.primary_cause": ("主要原因", "Primary cause"),
    "field.satisfaction": ("满意度", "Satisfaction"),
    "field.approvals": ("审批", "Approvals"),
    "field.rejection_reason": ("驳回理由", "Reason for rejection"),
    "field.reopened": ("重开次数", "Reopened"),
    "field.escalation": ("升级级别", "Escalation level"),
    "field.follow_ups": ("客户跟进", "Follow-ups"),
    # queue
    "queue.title": ("案件列表", "Cases"),
    "queue.empty": ("暂无案件。", "No cases."),
    "queue.open_only": ("仅显示未结案", "Open cases only"),
    "queue.all": ("全部", "All"),
    "queue.sort": ("排序", "Sort"),
    "queue.to_assign": ("待分派", "To assign"),
    "queue.update_due": ("该向客户通报了", "Customer owed news"),
    "queue.about": ("涉及", "About"),
    "sla.left": ("剩余", "left"),
    "sla.overdue": ("已超时", "overdue by"),
    "sla.paused": ("已暂停", "paused"),
    "sla.done": ("已完成", "done"),
    "sla.ok": ("正常", "On time"),
    "sla.warning": ("预警", "Warning"),
    "sla.breached": ("超时", "Breached"),
    "sla.round": ("第{n}轮", "round {n}"),
    "sla.breached_before": ("上一轮曾超时", "an earlier round breached"),
    "time.days": ("天", "d"),
    "time.hours": ("小时", "h"),
    "time.minutes": ("分", "min"),
    # case detail
    "case.title": ("案件详情", "Case"),
    "case.complaint": ("投诉", "Complaint"),
    "case.timeline": ("处理记录", "Timeline"),
    "case.no_timeline": ("尚无处理记录。", "Nothing done yet."),
    "case.suggestion": ("系统预测原因", "Predicted cause"),
    "case.confidence": ("置信度", "confidence"),
    "case.no_suggestion": ("暂无预测。", "No prediction yet."),
    "case.next_steps": ("下一步", "Next steps"),
    "case.no_steps": ("当前角色没有可执行的步骤。", "Nothing for your role to do now."),
    "case.step_done": ("已完成：", "Done:"),
    "case.closed": ("案件已结案。", "The case is closed."),
    "case.back": ("返回列表", "Back to the list"),
    "case.who": ("操作人", "By"),
    "case.when": ("时间", "When"),
    "case.what": ("步骤", "Step"),
    "case.note": ("说明", "Note"),
    # step form fields
    "stepf.valid": ("是否有效投诉", "Is the complaint valid?"),
    "stepf.valid_yes": ("有效，进入处理", "Valid: handle it"),
    "stepf.valid_no": ("无效，向客户解释并结案", "Not valid: explain and close"),
    "stepf.explanation": ("给客户的解释", "Explanation to the customer"),
    "stepf.department": ("处理部门", "Department"),
    "stepf.owner": ("负责人（用户名）", "Owner (user name)"),
    "stepf.findings": ("调查结论", "Findings"),
    "stepf.causes": ("原因（可多选）", "Causes (one or more)"),
    "stepf.primary_cause": ("主要原因", "Primary cause"),
    "stepf.responsible_staff": ("责任人", "Responsible staff"),
    "stepf.touchpoint": ("发生环节", "Touchpoint"),
    "stepf.types": ("方案类型", "Remedy types"),
    "stepf.amount": ("金额（元）", "Amount (CNY)"),
    "stepf.message": ("告知客户的内容", "Message to the customer"),
    "stepf.reason": ("理由", "Reason"),
    "stepf.customer_notified": ("已告知客户处理结果", "The customer has been told"),
    "stepf.satisfaction": ("客户满意度（1–5）", "Customer satisfaction (1–5)"),
    "stepf.comment": ("客户意见", "Customer's comment"),
    "stepf.summary": ("沟通内容", "What was said"),
    "stepf.note": ("备注", "Note"),
    "stepf.none": ("不填", "—"),
    # approvals
    "approvals.title": ("待我审批的方案", "Remedies waiting for my approval"),
    "approvals.empty": ("没有待审批的方案。", "Nothing waiting for approval."),
    "approvals.reason": ("驳回理由", "Reason to reject"),
    "approvals.proposed_by": ("提出人", "Proposed by"),
    # case statuses
    "status.registered": ("已登记", "Registered"),
    "status.triaged": ("已确认有效", "Triaged"),
    "status.assigned": ("已分派", "Assigned"),
    "status.investigating": ("调查中", "Investigating"),
    "status.proposed": ("方案已提出", "Remedy proposed"),
    "status.pending_approval": ("待审批", "Awaiting approval"),
    "status.approved": ("已批准", "Approved"),
    "status.executing": ("执行中", "Executing"),
    "status.resolved": ("已解决", "Resolved"),
    "status.awaiting_feedback": ("待客户评价", "Awaiting feedback"),
    "status.on_hold": ("暂停", "On hold"),
    "status.closed": ("已结案", "Closed"),
    # workflow steps
    "step.triage": ("判定有效性", "Triage"),
    "step.assign": ("分派负责人", "Assign"),
    "step.reassign": ("改派负责人", "Reassign"),
    "step.start_investigation": ("开始调查", "Start investigation"),
    "step.record_findings": ("记录调查结论", "Record findings"),
    "step.propose_remedy": ("提出处理方案", "Propose remedy"),
    "step.submit_for_approval": ("提交审批", "Submit for approval"),
    "step.approve": ("批准", "Approve"),
    "step.reject": ("驳回", "Reject"),
    "step.start_execution": ("开始执行", "Start execution"),
    "step.resolve": ("处理完毕并告知客户", "Resolve"),
    "step.request_feedback": ("请求客户评价", "Request feedback"),
    "step.record_feedback": ("记录客户评价", "Record feedback"),
    "step.put_on_hold": ("暂停计时（等待外部）", "Put on hold"),
    "step.resume": ("恢复处理", "Resume"),
    "step.escalate": ("升级", "Escalate"),
    "step.record_contact": ("记录客户沟通", "Record contact"),
    "case.evidence": ("依据", "because of"),
    "case.evidence_negated": ("已识别为否定（不计入）：", "Read as negated (not counted):"),
    "step.contact": ("查看客户联系方式", "Customer's contact details"),
    # the customer's contact details, shown on purpose and recorded
    "contact.show": ("查看完整联系方式", "Show full contact details"),
    "contact.title": ("客户联系方式", "Customer contact details"),
    "contact.notice": (
        "查看客户完整联系方式会被记录（查看人与时间），仅可用于就本投诉联系客户。",
        "Viewing the customer's full contact details is recorded (who and when). Use them"
        " only to contact the customer about this complaint.",
    ),
    "contact.continue": ("继续查看", "Show them"),
    "contact.recorded": ("本次查看已记录。", "This view has been recorded."),
    "contact.after_call": (
        "联系客户后，请在案件页「记录客户沟通」：客户通报时钟随之重置。",
        "After speaking to the customer, use “Record contact” on the case page: it resets the"
        " customer-update clock.",
    ),
    "contact.back": ("返回案件", "Back to the case"),
    "contact.email": ("电子邮箱", "Email"),
    "contact.wechat": ("微信 OpenID", "WeChat OpenID"),
    "contact.language": ("沟通语言", "Language"),
    "contact.none": ("未登记", "Not given"),
    "contact.words": ("客户原话（含号码）", "In the customer's words, numbers included"),
    "lang.zh": ("中文", "Chinese"),
    "lang.en": ("英文", "English"),
    "step.sla_first_contact_overdue": ("首次联系超时提醒", "First contact overdue"),
    "step.sla_owner_overdue": ("指定负责人超时提醒", "Owner not named in time"),
    "step.sla_early_warning": ("时限提醒（已用50%）", "SLA reminder (50% used)"),
    "step.sla_warning": ("时限预警（已用75%）", "SLA warning (75% used)"),
    "step.sla_final_warning": (
        "时限告急（已用90%，通知部门经理）",
        "SLA final warning (90% used, head told)",
    ),
    "step.sla_breach": ("超过48小时时限", "48-hour SLA breached"),
    "step.sla_gm_escalation": ("升级至总经理", "Escalated to the general manager"),
    "step.sla_follow_up_call": ("3日回访到期", "3-day follow-up call due"),
    "step.sla_stage_overdue": ("环节超出时限预算", "Stage over its time budget"),
    "step.sla_customer_update": ("该向客户通报进展了", "Customer update due"),
    "field.customer_update_due": ("下次向客户通报", "Next customer update"),
    "case.stages": ("各环节用时", "Time by stage"),
    "queue.stage_over": ("超出环节预算", "over its budget"),
    "case.stage": ("环节", "Stage"),
    "case.stage_spent": ("已用", "Spent"),
    "case.stage_budget": ("预算", "Budget"),
    "case.stage_charged": ("计入", "Charged to"),
    "case.stage_now": ("当前", "Now"),
    "case.stage_paused": ("暂停中", "On hold"),
    "case.not_assigned": ("未分派", "Not assigned"),
    "case.paused": ("暂停", "On hold"),
    "case.not_charged": ("不计入时限", "Not counted"),
    "stepf.waiting_for": ("等待", "Waiting for"),
    "case.stages_note": (
        "闭环时限按环节分配预算；暂停期间不计时。环节超出预算时提醒当时负责的人。",
        "The closed loop's time is split into stage budgets; time on hold is not counted."
        " A stage over its budget notifies whoever holds it.",
    ),
    # remedy types
    "remedy.repair": ("维修", "Repair"),
    "remedy.replacement": ("更换", "Replacement"),
    "remedy.refund": ("退款", "Refund"),
    "remedy.compensation": ("赔偿", "Compensation"),
    "remedy.apology": ("道歉", "Apology"),
    "remedy.goodwill": ("善意补偿", "Goodwill"),
    "remedy.explanation": ("解释说明", "Explanation"),
    # quality dashboard
    "dash.title": ("质量看板", "Quality dashboard"),
    "dash.stage_p90": ("各环节用时（p90，小时）", "Time in each stage (p90, hours)"),
    "dash.stage": ("环节", "Stage"),
    "dash.cases": ("案件数", "Cases"),
    "dash.over_budget": ("超出预算", "Over budget"),
    "dash.hours_unit": ("小时", "h"),
    "dash.stages_note": (
        "已结案投诉在各环节的用时（暂停不计，按时限日历），计入当时承担该环节的部门，"
        "不按渠道和原因筛选；≤ 表示所在区间的上限。红色：过半案件超出该环节预算。",
        "Time closed complaints spent in each stage (holds excluded, on the SLA calendar),"
        " charged to the department that held it, not filtered by channel or cause;"
        " ≤ is the upper bound of its interval. Red: over budget in more than half of the cases.",
    ),
    "dash.start": ("开始日期", "From"),
    "dash.end": ("结束日期", "To"),
    "dash.all": ("全部", "All"),
    "dash.cause": ("投诉原因", "Cause"),
    "dash.apply": ("筛选", "Apply"),
    "dash.complaints": ("投诉量", "Complaints"),
    "dash.closed": ("已结案", "Closed"),
    "dash.sla_compliance": ("48小时闭环达成率", "SLA compliance"),
    "dash.breached": ("超时", "SLA breaches"),
    "dash.time_to_close": ("结案用时", "Time to close"),
    "dash.satisfaction": ("满意度", "Satisfaction"),
    "dash.reopen_rate": ("重开率", "Reopen rate"),
    "dash.repeat": ("重复投诉客户", "Repeat complainants"),
    "dash.remedy_cost": ("补救成本", "Remedy cost"),
    "dash.pareto": ("投诉原因帕累托图", "Pareto of causes"),
    "dash.cumulative": ("累计占比", "Cumulative share"),
    "dash.weekly_trend": ("各原因周趋势", "Weekly trend by cause"),
    "dash.heatmap": ("部门 × 原因", "Department × cause"),
    "dash.sla_by_department": ("各部门闭环达成率（%）", "SLA compliance by department (%)"),
    "dash.by_touchpoint": ("按接触点", "By touchpoint"),
    "dash.by_channel": ("按渠道", "By channel"),
    "dash.by_outcome": ("结案方式", "How complaints ended"),
    "dash.outcome": ("结案方式", "Outcome"),
    "dash.table": ("数据表", "Data table"),
    "dash.week": ("周", "Week"),
    "dash.unassigned": ("未分配", "Unassigned"),
    "dash.unclassified": ("未分类", "Unclassified"),
    "dash.alerts": ("趋势预警", "Trend alerts"),
    "dash.no_alerts": ("暂无预警", "No open alerts"),
    "dash.check_now": ("立即检查", "Check now"),
    "dash.bucket": ("改进对象", "Bucket"),
    "dash.count_vs_baseline": ("本周 / 基线", "This week / baseline"),
    "dash.dim.cause": ("原因", "Cause"),
    "dash.dim.touchpoint": ("接触点", "Touchpoint"),
    "dash.dim.department": ("部门", "Department"),
    "dash.actions": ("预防改进措施（PDCA）", "Prevention actions (PDCA)"),
    "dash.no_actions": ("暂无改进措施", "No prevention actions yet"),
    "dash.new_action": ("新建改进措施", "New prevention action"),
    "dash.action_title": ("措施名称", "Title"),
    "dash.action_type": ("措施类型", "Type"),
    "dash.due": ("截止", "Due"),
    "dash.effective_from": ("生效日期", "Effective from"),
    "dash.open_action": ("创建", "Open action"),
    "dash.action_invalid": (
        "改进措施未创建，请检查填写内容",
        "The action was not opened: check the fields",
    ),
    "dash.cycle": ("轮次", "Cycle"),
    "dash.move_to": ("推进到", "Move to"),
    "dash.before": ("实施前", "Before"),
    "dash.after": ("实施后", "After"),
    "dash.rate_before": ("实施前周均", "Weekly before"),
    "dash.rate_after": ("实施后周均", "weekly after"),
    "dash.effect": ("效果（每周投诉量）", "Effect (complaints a week)"),
    "dash.significant": ("变化显著", "Significant change"),
    "dash.not_significant": ("变化不显著", "Not significant"),
    "dash.too_early": (
        "实施后尚无完整的一周，暂不能判断效果",
        "Too early to tell: no complete week since it took effect",
    ),
    "dash.models": ("原因分类模型", "Cause classifier models"),
    "dash.version": ("版本", "Version"),
    "dash.trained_on": ("训练样本", "Trained on"),
    "dash.confirmations": ("确认原因", "confirmed"),
    "dash.active": ("使用中", "Active"),
    "dash.cv_f1": ("交叉验证 F1", "Cross-validated F1"),
    "dash.agreement": ("与调查结论一致", "Agrees with investigators"),
    "dash.agreement_help": (
        "该版本登记时预测的主要原因与调查确认的主要原因相同的比例（括号内为已确认案件数）",
        "Share of complaints whose predicted primary cause the investigation confirmed"
        " (confirmed complaints in brackets)",
    ),
    # misc
    "misc.yes": ("是", "Yes"),
    "misc.no": ("否", "No"),
    "misc.repeat": ("重复投诉客户", "Repeat complainant"),
    "misc.none": ("无", "None"),
}
"""Key → (Chinese, English)."""


def translate(key: str, language: Language = DEFAULT_LANGUAGE) -> str:
    """The text of ``key``; the key itself when missing, so a gap is visible, not a crash."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]


def code_label(vocabulary: type[StrEnum], code: str | None, language: Language) -> str:
    """The label of a vocabulary code (channel, department...); the code when unknown."""
    if code is None:
        return ""
    pair = LABELS.get(vocabulary, {}).get(code)
    if pair is None:
        return code
    return pair[0] if language == "zh" else pair[1]


def pick_language(query: str | None, cookie: str | None) -> Language:
    """``?lang=`` wins over the cookie; Chinese by default."""
    for value in (query, cookie):
        if value == "en":
            return "en"
        if value == "zh":
            return "zh"
    return DEFAULT_LANGUAGE
