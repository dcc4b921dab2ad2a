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
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    WEIBO = "weibo"
    EMAIL = "email"
    ONLINE_CHAT = "online_chat"
    SURVEY = "survey"
    MANUFACTURER = "manufacturer"
    REGULATOR = "regulator"


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


class Cause(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    CUSTOMER_MISUNDERSTANDING = "customer_misunderstanding"
    SERVICE_ATTITUDE_EFFICIENCY = "service_attitude_efficiency"
    PROCESS_POLICY = "process_policy"


LABELS: dict[str, tuple[str, str]] = {
    # channels
    Channel.HOTLINE: ("400热线", "400 hotline"),
    Channel.PHONE: ("电话", "Phone"),
    Channel.WALK_IN: ("到店", "Walk-in"),
    Channel.SHOWROOM: ("展厅", "Showroom"),
    Channel.SERVICE_DESK: ("售后服务台", "Service desk"),
    Channel.WEB: ("官网", "Website"),
    Channel.APP: ("手机App", "Mobile app"),
    Channel.WECHAT: ("微信公众号", "WeChat"),
    Channel.WEIBO: ("微博", "Weibo"),
    Channel.EMAIL: ("电子邮件", "Email"),
    Channel.ONLINE_CHAT: ("在线客服", "Online chat"),
    Channel.SURVEY: ("满意度回访", "Satisfaction survey"),
    Channel.MANUFACTURER: ("厂家转派", "Manufacturer referral"),
    Channel.REGULATOR: ("消协/12315转办", "Regulator referral"),
    # departments
    Department.SALES: ("销售部", "Sales"),
    Department.AFTER_SALES: ("售后服务部", "After-sales service"),
    Department.PARTS: ("配件部", "Parts"),
    Department.FINANCE_INSURANCE: ("金融保险部", "Finance & insurance"),
    Department.CUSTOMER_RELATIONS: ("客户关系部", "Customer relations"),
    # urgency
    Urgency.NORMAL: ("一般", "Normal"),
    Urgency.HIGH: ("紧急", "High"),
    Urgency.CRITICAL: ("特急", "Critical"),
    # causes
    Cause.PRODUCT_QUALITY: ("产品或服务质量", "Product or service quality"),
    Cause.CUSTOMER_MISUNDERSTANDING: ("客户自身误解", "Customer misunderstanding"),
    Cause.SERVICE_ATTITUDE_EFFICIENCY: ("服务态度与效率", "Service attitude and efficiency"),
    Cause.PROCESS_POLICY: ("流程与政策", "Process and policy"),
}


def label(code: str, language: Language = "zh") -> str:
    """The human label of a vocabulary code; the code itself when it has none."""
    pair = LABELS.get(code)
    if pair is None:
        return code
    return pair[0] if language == "zh" else pair[1]
