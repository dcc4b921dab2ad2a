"""What the demo's customers complain about, and how each matter is typically resolved.

Plain data for :mod:`shared.demo`: each scenario is a complaint as an agent records it,
the findings the owner would record, and the remedy they would propose.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.vocab import Cause, Demand, Department


@dataclass(frozen=True)
class Scenario:
    language: str
    content: str
    demands: tuple[Demand, ...]
    department: Department
    cause: Cause
    findings: str
    remedy: tuple[str, ...]
    amount: int
    message: str
    model: str


D, C, Dep = Demand, Cause, Department

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("zh", "新车提车才两周，高速上刹车时方向盘明显抖动，担心安全问题，要求尽快检查。",
             (D.REPAIR, D.EXPLANATION), Dep.AFTER_SALES, C.PRODUCT_QUALITY,
             "前刹车盘出厂端面跳动超差，属质量问题。", ("repair", "apology"), 0,
             "免费更换前刹车盘并做四轮定位，向您致歉。", "大众 迈腾 2024款"),
    Scenario("zh", "保养预约了上午九点，结果等了三个小时才开始做，服务顾问态度也很冷淡。",
             (D.APOLOGY,), Dep.AFTER_SALES, C.SERVICE_ATTITUDE_EFFICIENCY,
             "当日工位排班冲突，服务顾问未主动告知等待原因。", ("apology", "goodwill"), 300,
             "向您致歉，赠送一次免费洗车和300元保养代金券。", "丰田 凯美瑞"),
    Scenario("zh", "购车时销售承诺送一年保养，现在售后说没有这个政策，要求兑现承诺。",
             (D.COMPENSATION, D.EXPLANATION), Dep.SALES, C.PROCESS_POLICY,
             "销售顾问口头承诺未写入合同，赠送政策审批流程缺失。", ("compensation", "apology"),
             1200, "按销售承诺补发一年基础保养套餐，并致歉。", "本田 雅阁"),
    Scenario("zh", "做完保养后发动机故障灯亮了，第二天在高速上动力不足只能拖车。",
             (D.REPAIR, D.COMPENSATION), Dep.AFTER_SALES, C.SERVICE_ATTITUDE_EFFICIENCY,
             "保养时点火线圈插头未插紧，技师漏检。", ("repair", "compensation", "apology"), 800,
             "免费维修并补偿拖车费与误工费800元。", "大众 帕萨特"),
    Scenario("zh", "交车时发现右后门有明显划痕，销售说是运输时的，但拒绝处理。",
             (D.REPAIR, D.APOLOGY), Dep.SALES, C.PRODUCT_QUALITY,
             "PDI检查漏检车身划痕。", ("repair", "apology"), 0,
             "免费钣喷修复右后门，并赠送全车镀晶。", "别克 君越"),
    Scenario("zh", "配件等了三周还没到货，车一直停在店里，没人主动告诉我进度。",
             (D.EXPLANATION, D.COMPENSATION), Dep.PARTS, C.PROCESS_POLICY,
             "配件订货未走紧急通道，缺少进度告知机制。", ("goodwill", "explanation"), 500,
             "已加急调货，提供代步车并补偿500元。", "奥迪 A4L"),
    Scenario("zh", "车贷手续费比合同上多收了两千元，问了几次都说不清楚。",
             (D.REFUND, D.EXPLANATION), Dep.FINANCE_INSURANCE, C.PROCESS_POLICY,
             "金融专员误按旧费率收取服务费。", ("refund", "apology"), 2000,
             "退还多收的2000元服务费并书面致歉。", "日产 天籁"),
    Scenario("zh", "保险理赔拖了一个多月，每次打电话都说在走流程。",
             (D.EXPLANATION,), Dep.FINANCE_INSURANCE, C.SERVICE_ATTITUDE_EFFICIENCY,
             "理赔资料缺件未及时通知客户。", ("explanation", "apology"), 0,
             "专人跟进理赔，三日内完成，并每日告知进度。", "现代 索纳塔"),
    Scenario("zh", "空调不制冷修了三次都没修好，每次都说好了，开出去又不行。",
             (D.REPAIR, D.REPLACEMENT), Dep.AFTER_SALES, C.PRODUCT_QUALITY,
             "压缩机电磁阀间歇性故障，前两次未彻底诊断。", ("repair", "goodwill"), 600,
             "更换空调压缩机总成，延长该部件保修一年。", "吉利 博越"),
    Scenario("zh", "试驾时销售一直打电话，全程没讲解，还催我当天交定金。",
             (D.APOLOGY,), Dep.SALES, C.SERVICE_ATTITUDE_EFFICIENCY,
             "销售顾问试驾流程不规范。", ("apology",), 0,
             "向您致歉，安排销售经理重新陪同试驾。", "比亚迪 汉"),
    Scenario("zh", "我以为新车首保是免费的，结果收了机油钱，觉得被骗了。",
             (D.EXPLANATION, D.REFUND), Dep.AFTER_SALES, C.CUSTOMER_MISUNDERSTANDING,
             "厂家首保只免工时，客户未了解政策。", ("explanation",), 0,
             "向您说明首保政策，赠送一次免费检测。", "长安 CS75"),
    Scenario("zh", "充电桩安装说好一周，已经一个月了还没装，电车没法充电。",
             (D.COMPENSATION, D.EXPLANATION), Dep.CUSTOMER_RELATIONS, C.PROCESS_POLICY,
             "充电桩供应商排期延误，未及时同步客户。", ("goodwill", "apology"), 1000,
             "三日内完成安装，并赠送1000元充电卡。", "比亚迪 秦PLUS"),
    Scenario("zh", "车机屏幕经常黑屏重启，导航用不了，升级了也没用。",
             (D.REPAIR,), Dep.AFTER_SALES, C.PRODUCT_QUALITY,
             "车机主机软件缺陷，厂家已发布新版本。", ("repair",), 0,
             "升级车机软件并更换主机。", "长城 哈弗H6"),
    Scenario("zh", "提车等了四个小时，交车流程混乱，没人讲解车辆功能。",
             (D.APOLOGY, D.EXPLANATION), Dep.SALES, C.SERVICE_ATTITUDE_EFFICIENCY,
             "交车区同时段安排过多，交车专员不足。", ("apology", "goodwill"), 200,
             "致歉并安排专人上门讲解车辆功能，赠送200元精品。", "丰田 RAV4荣放"),
    Scenario("zh", "刹车失灵差点出事故，要求退车！不解决我就找媒体曝光。",
             (D.REFUND, D.COMPENSATION), Dep.AFTER_SALES, C.PRODUCT_QUALITY,
             "制动真空助力泵管路破裂，属质量问题。", ("replacement", "compensation"), 8000,
             "按三包规定更换同款新车，并补偿8000元。", "大众 途观L"),
    Scenario("zh", "续保报价比别家贵了一千多，销售说只能在店里买，不然不给保修。",
             (D.EXPLANATION,), Dep.FINANCE_INSURANCE, C.PROCESS_POLICY,
             "员工对保修与投保关系解释错误。", ("explanation", "apology"), 0,
             "向您澄清：保修不受投保渠道影响，并致歉。", "马自达 CX-5"),
    Scenario("en", "The infotainment screen goes black every morning and nobody has called "
             "me back for a week.", (D.REPAIR,), Dep.AFTER_SALES, C.PRODUCT_QUALITY,
             "Head unit firmware fault; the manufacturer released a fix.", ("repair",), 0,
             "We will update the head unit and call you within 24 hours.", "Volkswagen Tiguan"),
    Scenario("en", "I was charged for parts that were supposed to be covered by the warranty.",
             (D.REFUND,), Dep.AFTER_SALES, C.PROCESS_POLICY,
             "Warranty claim not filed; the parts were billed to the customer.",
             ("refund", "apology"), 1500, "We refund the 1,500 CNY and apologise.", "Toyota Camry"),
    Scenario("en", "Waited three hours for an oil change although I had an appointment.",
             (D.APOLOGY,), Dep.AFTER_SALES, C.SERVICE_ATTITUDE_EFFICIENCY,
             "Workshop overbooked; the appointment was not honoured.", ("apology", "goodwill"),
             200, "Our apologies, and a free car wash and 200 CNY voucher.", "Honda Accord"),
    Scenario("en", "The salesman promised free winter tyres, now the dealer denies it.",
             (D.COMPENSATION,), Dep.SALES, C.PROCESS_POLICY,
             "Verbal promise not in the contract; gift approval missing.", ("compensation",), 2400,
             "We honour the promise and fit winter tyres free of charge.", "BMW X3"),
    Scenario("en", "The car pulls to the left after the tyre change, and the dealer says "
             "it is normal.", (D.REPAIR, D.EXPLANATION), Dep.AFTER_SALES,
             C.SERVICE_ATTITUDE_EFFICIENCY, "Wheel alignment skipped after the tyre change.",
             ("repair", "apology"), 0, "Free wheel alignment and a check of all four tyres.",
             "Audi Q5L"),
    Scenario("en", "I thought the extended warranty covered the battery; it does not, and "
             "nobody explained that.", (D.EXPLANATION,), Dep.FINANCE_INSURANCE,
             C.CUSTOMER_MISUNDERSTANDING, "The contract excludes the battery; explained badly.",
             ("explanation",), 0, "We explained the cover in writing, with the terms marked.",
             "Tesla Model 3"),
    Scenario("en", "My car has been at the dealer for 18 days waiting for a door handle.",
             (D.EXPLANATION, D.COMPENSATION), Dep.PARTS, C.PROCESS_POLICY,
             "Part ordered by sea freight instead of express.", ("goodwill",), 700,
             "Express delivery, a courtesy car and 700 CNY goodwill.", "Mercedes-Benz C 260"),
    Scenario("en", "The financing contract shows a higher interest rate than I was quoted.",
             (D.REFUND, D.EXPLANATION), Dep.FINANCE_INSURANCE, C.PROCESS_POLICY,
             "Quote used an expired promotion rate.", ("refund", "apology"), 3000,
             "We refund the difference of 3,000 CNY and apologise.", "Nissan X-Trail"),
)  # fmt: skip

ZH_NAMES = (
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞", "徐涛",
    "孙丽", "马超", "朱琳", "胡斌", "郭勇", "何欣", "林峰", "高飞", "罗娟", "梁宇", "宋佳",
    "郑凯", "谢婷", "韩冰", "唐亮", "冯雪", "于洋", "董鹏", "萧然",
)  # fmt: skip
EN_NAMES = (
    "Michael Chen", "Sarah Liu", "David Wang", "Emily Zhang", "James Li", "Olivia Wu",
    "Daniel Zhou", "Sophie Huang", "Kevin Xu", "Grace Lin",
)  # fmt: skip
PLATE_PREFIXES = ("粤A", "粤B", "京N", "沪C", "浙A", "苏E", "川A")
