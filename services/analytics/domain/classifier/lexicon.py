"""Cue words per label, from the dealership manuals' cause categories (ch. 6.2).

Written from the domain, in Chinese and English; the statistical model learns the rest
from examples. A cue is evidence, not a verdict: the model weighs it with everything else.
Cues are listed comma-separated so the lists stay readable; "…" in a cue stands for a
few words of the same clause ("更换…后": after replacing something).
"""

from __future__ import annotations

from typing import Final


def _cues(text: str) -> tuple[str, ...]:
    return tuple(cue.strip() for cue in text.replace("\n", ",").split(",") if cue.strip())


_PRODUCT = _cues(
    """
    异响, 响声, 噪音, 噪声, 杂音, 咔咔, 嗡嗡, 抖动, 共振, 顿挫, 闯动, 冲击, 漏油, 渗油, 烧机油,
    漏水, 渗水, 漏液, 漏气, 漏风, 生锈, 锈蚀, 腐蚀, 氧化, 起泡, 鼓包, 掉漆, 色差, 开裂, 裂纹,
    变形, 脱落, 掉落, 松动, 断裂, 破损, 破碎, 故障, 故障灯, 报警, 失灵, 失效, 损坏, 坏了,
    熄火, 无法启动, 启动困难, 打不着, 不着车, 动力弱, 动力不足, 加速无力, 提速慢, 怠速不稳,
    油耗高, 积碳, 冒烟, 过热, 水温高, 缺缸, 爆震, 打滑, 跳挡, 脱挡, 黑屏, 死机, 卡顿, 重启,
    蓝屏, 无信号, 不亮, 不工作, 没反应, 不制冷, 不制热, 短路, 断电, 掉电, 亏电, 充不进电,
    无法充电, 充电慢, 续航缩水, 跑偏, 发沉, 方向盘重, 虚位, 刹车软, 刹车硬, 爆胎, 偏磨,
    吃胎, 异味, 质量问题, 质量差, 缺陷, 设计缺陷, 通病, 安全隐患, 与宣传不符, 宣传不符,
    虚假宣传, 虚假销售, 配置不符, 配置缩水, 减配, 虚标, 事故车, 翻新车, 问题车, 受损,
    发动机, 变速箱, 离合, 刹车, 制动, abs, 转向, 方向机, 减震, 悬挂, 底盘, 轮胎, 轮毂,
    车身, 车门, 天窗, 玻璃, 车漆, 漆面, 座椅, 空调, 车机, 中控, 大屏, 导航, 音响, 仪表,
    大灯, 雨刮, 电瓶, 蓄电池, 电池, 电机, 涡轮, 节气门, 水泵, 雷达, 摄像头, 后视镜, 密封条,
    三元催化, 喷油嘴, 传感器, 线束, 气囊, 安全带, 拉缸, 不转, 转不动, 打不开, 无法打开, 关不上,
    锁不上, 不显示, 不出风, 不回位, 挂不进, 配件质量, 零件质量, 质量太差, 无动力, 没动力,
    没有动力, 失去动力, 动力中断, 动力消失,
    noise, noisy, rattle, rattles, rattling, squeak, squeal, squeals, knock, vibration,
    vibrates, judder, shudder, jerk, jerks, jerky, leak, leaks, leaking, rust, rusty,
    corrosion, crack, cracked, peeling, bulged, defect, defective, fault, faulty, malfunction,
    broken, failed, failure, warning light, check engine, stalls, stalled, won't start,
    will not start, overheat, overheating, smoke, freezes, frozen, black screen, reboots,
    glitch, dead battery, won't charge, will not charge, range dropped, pulls to, airbag,
    not as advertised, quality issue, poor quality, engine, gearbox, transmission, clutch,
    brake, brakes, steering, suspension, tyre, tire, tyres, tires, sunroof, paint,
    infotainment, screen, battery, headlights, headlight, poor quality parts, won't open,
    won't close, won't lock, lost power, loss of power, no power, limp mode
    """
)

_SERVICE = _cues(
    """
    态度, 态度差, 态度恶劣, 态度冷淡, 服务差, 不耐烦, 爱答不理, 冷漠, 敷衍, 推诿, 推脱,
    踢皮球, 互相推, 推卸, 拖延, 拖着, 一拖再拖, 久拖, 迟迟, 不处理, 不予处理, 不给处理,
    不解决, 不予解决, 未解决, 没解决, 没人管, 无人处理, 不回复, 未回复,
    没回复, 不回应, 不理睬, 不回电, 没回电, 不接电话, 联系不上, 拒绝保修, 拒绝维修,
    拒绝质保, 不保修, 不给保修, 不予保修, 不予质保, 不给修, 否认, 不承认, 不认可, 维修后,
    修后, 修完, 修过, 多次维修, 反复维修, 维修多次, 更换后, 处理后, 修不好, 没修好, 未修好,
    故障依旧, 问题依旧, 依然存在, 仍然存在, 再次出现, 又出现, 复发, 更严重, 技术差,
    技术水平, 不专业, 维修不规范, 操作不规范, 误诊, 查不出, 检测不出, 找不到原因, 乱修, 修坏,
    划伤, 刮花, 等了, 排队, 效率低, 太慢, 欺骗, 忽悠, 隐瞒, 刁难,
    更换…后, 换了…后, 换完…后, 维修…后, 修理…后, 保养…后, 维修…导致, 保养…导致, 加入…导致,
    无法解决, 解决不了, 修不了, 不属实, 与事实不符, 答复不实,
    厂家不, 4s店不, 经销商不, 售后不, 厂家未, 4s店未, 经销商未, 售后未, 4s店拒, 厂家拒, 经销商拒,
    rude, impolite, unfriendly, attitude, ignored, ignoring, no reply, no response,
    never replied, never called, call back, called back, nobody, refused, refuses, denied,
    delayed, waited, waiting, still not fixed, not fixed, still broken, came back,
    fixed three times, incompetent, unprofessional, misdiagnosed, scratched, careless,
    lied, runaround, excuses, blamed, after … repair, since … repair, after … replaced
    """
)

_PROCESS = _cues(
    """
    收费, 乱收费, 多收费, 收取, 费用, 服务费, 金融服务费, 手续费, 出库费, 上牌费, 检测费,
    工时费, 加价, 捆绑, 强制, 强制购买, 强制贷款, 买保险, 保险费, 续保, 车险, 贷款, 按揭,
    分期, 利息, 发票, 开票, 差价, 退款, 退费, 定金, 订金, 押金, 违约, 合同, 协议, 承诺, 兑现,
    不兑现, 未兑现, 没兑现, 未履行, 不履行, 赠送, 赠品, 礼包, 补贴, 置换补贴, 权益, 油卡,
    免费保养, 缺货, 无配件, 配件供应, 原厂件, 副厂件, 非原厂, 没装, 未安装, 没配件, 没有配件,
    等配件, 配件短缺, 旧件, 订货, 索赔, 拒赔, 无法提供…配件, 不提供…配件, 配件…没到, 配件…不到,
    理赔, 三包, 延保, 保修政策, 召回, 政策, 交车时间, 延期交车, 提车时间, 无法升级, 不能升级,
    没有升级, 未升级, ota, 补偿, 交通补偿, 代步车, 不实施, 未实施,
    charge, charged, charges, overcharged, fee, fees, hidden fee, invoice, refund, deposit,
    contract, promise, promised, promises, free service, free maintenance, gift, subsidy,
    insurance, loan, financing, interest, parts supply, waiting for parts, non-genuine,
    backorder, out of stock, warranty claim,
    claim, recall, policy, delivery date, update, compensation, courtesy car
    """
)

_MISUNDERSTANDING = _cues(
    """
    以为, 误以为, 不知道, 不清楚, 不了解, 没看说明书, 说明书, 正常现象, 属于正常, 自动启停,
    启停, 能量回收, 设计如此, 误解, 误会, 私自, 改装, 加装, 没按时保养, 超过保养, 使用不当,
    操作不当, 误操作, 看错, 记错, 理解错,
    thought, assumed, didn't know, did not know, manual, normal behaviour, normal behavior,
    by design, start-stop, misunderstood, my mistake, my own, modified, aftermarket
    """
)

CAUSE_CUES: Final[dict[str, tuple[str, ...]]] = {
    "product_quality": _PRODUCT,
    "service_attitude_efficiency": _SERVICE,
    "process_policy": _PROCESS,
    "customer_misunderstanding": _MISUNDERSTANDING,
}

TOUCHPOINT_CUES: Final[dict[str, tuple[str, ...]]] = {
    "sales_reception": _cues("展厅, 接待, 销售顾问, 看车, showroom, salesperson"),
    "test_drive": _cues("试驾, 试乘, test drive"),
    "negotiation": _cues("报价, 议价, 价格, 优惠, 加价, 捆绑, 置换, quote, price, discount"),
    "delivery": _cues("提车, 交车, 交付, 新车, 定金, 订金, 合同, delivery, deposit"),
    "service_reception": _cues("预约, 接车, 服务顾问, 前台, appointment, service advisor"),
    "diagnosis": _cues("检测, 诊断, 查不出, 找不到原因, diagnosis, inspection"),
    "repair": _cues("维修, 保养, 修理, 修了, repair, fixed, maintenance"),
    "quality_check": _cues("质检, 漏检, 检查不仔细, quality check"),
    "parts": _cues("配件, 缺货, 零件, parts, backorder"),
    "finance_insurance": _cues("保险费, 买保险, 贷款, 金融, 按揭, 理赔, insurance, loan, finance"),
    "customer_care": _cues("回访, 回电, 热线, 客服, 投诉, call back, hotline"),
    "vehicle_use": _cues("行驶, 开车, 高速, 起步, 冷车, driving, on the highway"),
}

SYSTEM_CUES: Final[dict[str, tuple[str, ...]]] = {
    "engine": _cues(
        "发动机, 机油, 烧机油, 积碳, 怠速, 熄火, 涡轮, 缸, 节气门, 喷油嘴, 水温, 动力,"
        " engine, oil consumption, stall, idle, turbo"
    ),
    "transmission": _cues(
        "变速箱, 变速器, 离合, 顿挫, 换挡, 挂挡, 跳挡, 脱挡, 打滑, dct, cvt, gearbox,"
        " transmission, clutch, gear"
    ),
    "brakes": _cues("刹车, 制动, abs, 刹车片, 刹车盘, brake, braking"),
    "steering": _cues("方向盘, 转向, 方向机, 跑偏, 助力, steering, pulls to"),
    "suspension": _cues("减震, 悬挂, 底盘, 摆臂, 避震, suspension, shock absorber"),
    "tyres": _cues("轮胎, 轮毂, 胎压, 鼓包, 爆胎, 偏磨, tyre, tire, wheel rim"),
    "electrics": _cues(
        "电瓶, 蓄电池, 大灯, 灯光, 线束, 短路, 电路, 传感器, 空调, 雨刮, 车窗, 电动, 故障灯,"
        " 仪表, 雷达, 摄像头, headlight, wiring, sensor, air conditioning, warning light"
    ),
    "body": _cues(
        "车身, 车漆, 漆面, 生锈, 锈, 车门, 天窗, 漏水, 密封条, 玻璃, 座椅, 异味, 后视镜, 保险杠,"
        " body, paint, rust, door, sunroof, seat, windscreen, bumper"
    ),
    "infotainment": _cues(
        "车机, 中控, 大屏, 屏幕, 黑屏, 死机, 卡顿, 导航, 蓝牙, 音响, carplay, 车联网,"
        " infotainment, screen, navigation, bluetooth, head unit"
    ),
    "battery": _cues(
        "动力电池, 电池包, 续航, 充电, 充不进电, 电芯, 电量, 掉电, range, charging,"
        " traction battery, battery pack, charge"
    ),
}
