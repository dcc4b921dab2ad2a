"""The one vocabulary of the domain, with Chinese (default) and English labels.

Codes are what code, API, events and storage use; labels are only for people.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Language = Literal["zh", "en"]


class Channel(StrEnum):
    HOTLINE = "hotline"
    PHONE = "phone"
    WALK_IN = "walk_in"
    SHOWROOM = "showroom"
    SERVICE_DESK = "service_desk"
    TEST_DRIVE = "test_drive"
    CUSTOMER_EVENT = "customer_event"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    WEIBO = "weibo"
    SOCIAL = "social"
    EMAIL = "email"
    ONLINE_CHAT = "online_chat"
    SURVEY = "survey"
    MANUFACTURER = "manufacturer"
    REGULATOR = "regulator"


AGENT_CHANNELS: frozenset[Channel] = frozenset(
    {
        Channel.HOTLINE,
        Channel.PHONE,
        Channel.WALK_IN,
        Channel.SHOWROOM,
        Channel.SERVICE_DESK,
        Channel.TEST_DRIVE,
        Channel.CUSTOMER_EVENT,
    }
)
"""Channels where an agent or front desk types the record (the agent form)."""


class Department(StrEnum):
    SALES = "sales"
    AFTER_SALES = "after_sales"
    PARTS = "parts"
    FINANCE_INSURANCE = "finance_insurance"
    CUSTOMER_RELATIONS = "customer_relations"


class Urgency(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Demand(StrEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    EXPLANATION = "explanation"
    OTHER = "other"


class TargetKind(StrEnum):
    """What the complaint is about (投诉对象)."""

    DEPARTMENT = "department"
    STAFF = "staff"
    VEHICLE = "vehicle"
    POLICY = "policy"


class Cause(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    CUSTOMER_MISUNDERSTANDING = "customer_misunderstanding"
    SERVICE_ATTITUDE_EFFICIENCY = "service_attitude_efficiency"
    PROCESS_POLICY = "process_policy"


class Touchpoint(StrEnum):
    """Where in the customer's journey with the dealership the complaint arose."""

    SALES_RECEPTION = "sales_reception"
    TEST_DRIVE = "test_drive"
    NEGOTIATION = "negotiation"
    DELIVERY = "delivery"
    SERVICE_RECEPTION = "service_reception"
    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    QUALITY_CHECK = "quality_check"
    PARTS = "parts"
    FINANCE_INSURANCE = "finance_insurance"
    CUSTOMER_CARE = "customer_care"
    VEHICLE_USE = "vehicle_use"


class VehicleSystem(StrEnum):
    """The part of the vehicle a product complaint is about."""

    ENGINE = "engine"
    TRANSMISSION = "transmission"
    BRAKES = "brakes"
    STEERING = "steering"
    SUSPENSION = "suspension"
    TYRES = "tyres"
    ELECTRICS = "electrics"
    BODY = "body"
    INFOTAINMENT = "infotainment"
    BATTERY = "battery"


class PreventionType(StrEnum):
    """The prevention measures of manual ch. 6.3."""

    TRAINING = "training"
    PROCESS_OPTIMISATION = "process_optimisation"
    FEEDBACK_CHANNEL = "feedback_channel"
    PERIODIC_REVIEW = "periodic_review"
    INTERNAL_COMMUNICATION = "internal_communication"


class Outcome(StrEnum):
    """How a closed complaint ended, in the style of the US CFPB's closure codes."""

    EXPLANATION = "explanation"
    MONETARY_RELIEF = "monetary_relief"
    NON_MONETARY_RELIEF = "non_monetary_relief"
    NOT_UPHELD = "not_upheld"


class CaseStage(StrEnum):
    """Stages of the closed loop, each with its budget (DESIGN §6); feedback follows it."""

    TRIAGE = "triage"
    INVESTIGATE = "investigate"
    PROPOSE = "propose"
    APPROVE = "approve"
    EXECUTE = "execute"
    FEEDBACK = "feedback"


DEFAULT_STAGE_SHARES: tuple[tuple[str, float], ...] = (
    ("triage", 10),
    ("investigate", 35),
    ("propose", 10),
    ("approve", 10),
    ("execute", 35),
)
"""Percent of the closed loop each stage may take (of 48 h: 4.8 h to triage and assign,
16.8 h to investigate, …); feedback comes after the loop and has the 3-day call instead."""


class HoldReason(StrEnum):
    """What a case on hold waits for; the SLA clock is credited back for each (DESIGN §6)."""

    CUSTOMER = "customer"
    MANUFACTURER = "manufacturer"
    PARTS = "parts"


class Accountable(StrEnum):
    """Who is to act while a case is in a stage."""

    AGENT = "agent"
    OWNER = "owner"
    DEPARTMENT_HEAD = "department_head"
    GENERAL_MANAGER = "general_manager"


class ErasureReason(StrEnum):
    """Why a complaint's personal data was erased (PIPL art. 47: on request, or when the
    retention period is over)."""

    CUSTOMER_REQUEST = "customer_request"
    RETENTION = "retention"


class EvidenceKind(StrEnum):
    """What an attached file is, as a case page counts it (the type itself stays at intake)."""

    PHOTO = "photo"
    DOCUMENT = "document"
    RECORDING = "recording"
    VIDEO = "video"


class PdcaStage(StrEnum):
    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"


LABELS: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    Channel: {
        Channel.HOTLINE: ("400热线", "400 hotline"),
        Channel.PHONE: ("电话", "Phone"),
        Channel.WALK_IN: ("到店", "Walk-in"),
        Channel.SHOWROOM: ("展厅", "Showroom"),
        Channel.SERVICE_DESK: ("售后服务台", "Service desk"),
        Channel.TEST_DRIVE: ("试乘试驾", "Test drive"),
        Channel.CUSTOMER_EVENT: ("客户活动", "Customer event"),
        Channel.WEB: ("官网", "Website"),
        Channel.APP: ("手机App", "Mobile app"),
        Channel.WECHAT: ("微信公众号", "WeChat"),
        Channel.WEIBO: ("微博", "Weibo"),
        Channel.SOCIAL: ("其他社交媒体", "Other social media"),
        Channel.EMAIL: ("电子邮件", "Email"),
        Channel.ONLINE_CHAT: ("在线客服", "Online chat"),
        Channel.SURVEY: ("满意度回访", "Satisfaction survey"),
        Channel.MANUFACTURER: ("厂家转派", "Manufacturer referral"),
        Channel.REGULATOR: ("消协/12315转办", "Regulator referral"),
    },
    Department: {
        Department.SALES: ("销售部", "Sales"),
        Department.AFTER_SALES: ("售后服务部", "After-sales service"),
        Department.PARTS: ("配件部", "Parts"),
        Department.FINANCE_INSURANCE: ("金融保险部", "Finance & insurance"),
        Department.CUSTOMER_RELATIONS: ("客户关系部", "Customer relations"),
    },
    Urgency: {
        Urgency.NORMAL: ("一般", "Normal"),
        Urgency.HIGH: ("紧急", "High"),
        Urgency.CRITICAL: ("特急", "Critical"),
    },
    Demand: {
        Demand.REPAIR: ("维修", "Repair"),
        Demand.REPLACEMENT: ("换货/换车", "Replacement"),
        Demand.REFUND: ("退款/退车", "Refund"),
        Demand.COMPENSATION: ("赔偿", "Compensation"),
        Demand.APOLOGY: ("道歉", "Apology"),
        Demand.EXPLANATION: ("解释说明", "Explanation"),
        Demand.OTHER: ("其他", "Other"),
    },
    TargetKind: {
        TargetKind.DEPARTMENT: ("部门", "Department"),
        TargetKind.STAFF: ("员工", "Staff member"),
        TargetKind.VEHICLE: ("车辆", "Vehicle"),
        TargetKind.POLICY: ("政策", "Policy"),
    },
    Cause: {
        Cause.PRODUCT_QUALITY: ("产品或服务质量", "Product or service quality"),
        Cause.CUSTOMER_MISUNDERSTANDING: ("客户自身误解", "Customer misunderstanding"),
        Cause.SERVICE_ATTITUDE_EFFICIENCY: ("服务态度与效率", "Service attitude and efficiency"),
        Cause.PROCESS_POLICY: ("流程与政策", "Process and policy"),
    },
    Touchpoint: {
        Touchpoint.SALES_RECEPTION: ("展厅接待", "Sales reception"),
        Touchpoint.TEST_DRIVE: ("试乘试驾", "Test drive"),
        Touchpoint.NEGOTIATION: ("报价议价", "Negotiation"),
        Touchpoint.DELIVERY: ("新车交付", "Delivery"),
        Touchpoint.SERVICE_RECEPTION: ("售后接待", "Service reception"),
        Touchpoint.DIAGNOSIS: ("故障诊断", "Diagnosis"),
        Touchpoint.REPAIR: ("维修保养", "Repair"),
        Touchpoint.QUALITY_CHECK: ("质检交车", "Quality check"),
        Touchpoint.PARTS: ("配件供应", "Parts"),
        Touchpoint.FINANCE_INSURANCE: ("金融保险", "Finance & insurance"),
        Touchpoint.CUSTOMER_CARE: ("客户关怀与回访", "Customer care"),
        Touchpoint.VEHICLE_USE: ("用车过程", "Vehicle in use"),
    },
    VehicleSystem: {
        VehicleSystem.ENGINE: ("发动机", "Engine"),
        VehicleSystem.TRANSMISSION: ("变速箱", "Transmission"),
        VehicleSystem.BRAKES: ("制动系统", "Brakes"),
        VehicleSystem.STEERING: ("转向系统", "Steering"),
        VehicleSystem.SUSPENSION: ("悬挂系统", "Suspension"),
        VehicleSystem.TYRES: ("轮胎轮毂", "Tyres"),
        VehicleSystem.ELECTRICS: ("电气系统", "Electrics"),
        VehicleSystem.BODY: ("车身", "Body"),
        VehicleSystem.INFOTAINMENT: ("车机娱乐", "Infotainment"),
        VehicleSystem.BATTERY: ("动力电池", "Battery"),
    },
    PreventionType: {
        PreventionType.TRAINING: ("员工培训", "Staff training"),
        PreventionType.PROCESS_OPTIMISATION: ("流程优化", "Process optimisation"),
        PreventionType.FEEDBACK_CHANNEL: ("反馈渠道", "Feedback channel"),
        PreventionType.PERIODIC_REVIEW: ("定期回顾", "Periodic review"),
        PreventionType.INTERNAL_COMMUNICATION: ("内部沟通", "Internal communication"),
    },
    Outcome: {
        Outcome.EXPLANATION: ("解释说明后结案", "Closed with explanation"),
        Outcome.MONETARY_RELIEF: ("经济补偿后结案", "Closed with monetary relief"),
        Outcome.NON_MONETARY_RELIEF: ("非经济补救后结案", "Closed with non-monetary relief"),
        Outcome.NOT_UPHELD: ("投诉不成立", "Not upheld"),
    },
    CaseStage: {
        CaseStage.TRIAGE: ("受理与分派", "Triage and assign"),
        CaseStage.INVESTIGATE: ("调查原因", "Investigate"),
        CaseStage.PROPOSE: ("制定方案", "Propose a remedy"),
        CaseStage.APPROVE: ("审批", "Approval"),
        CaseStage.EXECUTE: ("执行方案", "Execute"),
        CaseStage.FEEDBACK: ("客户评价", "Customer feedback"),
    },
    HoldReason: {
        HoldReason.CUSTOMER: ("等待客户", "Waiting for the customer"),
        HoldReason.MANUFACTURER: ("等待厂家技术报告", "Waiting for the manufacturer's report"),
        HoldReason.PARTS: ("等待配件", "Waiting for parts"),
    },
    Accountable: {
        Accountable.AGENT: ("坐席/前台", "Agent"),
        Accountable.OWNER: ("案件负责人", "Case owner"),
        Accountable.DEPARTMENT_HEAD: ("部门经理", "Department head"),
        Accountable.GENERAL_MANAGER: ("总经理", "General manager"),
    },
    ErasureReason: {
        ErasureReason.CUSTOMER_REQUEST: ("客户要求删除", "At the customer's request"),
        ErasureReason.RETENTION: ("保存期限已满", "Retention period over"),
    },
    EvidenceKind: {
        EvidenceKind.PHOTO: ("照片", "Photo"),
        EvidenceKind.DOCUMENT: ("单据", "Document"),
        EvidenceKind.RECORDING: ("录音", "Recording"),
        EvidenceKind.VIDEO: ("视频", "Video"),
    },
    PdcaStage: {
        PdcaStage.PLAN: ("计划", "Plan"),
        PdcaStage.DO: ("执行", "Do"),
        PdcaStage.CHECK: ("检查", "Check"),
        PdcaStage.ACT: ("处理", "Act"),
    },
}
"""Per vocabulary, code → (Chinese, English); codes may repeat across vocabularies."""


def label(member: StrEnum, language: Language = "zh") -> str:
    """The human label of a vocabulary member; its code when it has none."""
    pair = LABELS.get(type(member), {}).get(member.value)
    if pair is None:
        return member.value
    return pair[0] if language == "zh" else pair[1]
