"""The standard checklists (DOMAIN.md, Inspections): items, legal basis, default grade per venue type."""

from residents.models import VenueKind

FIRE_LAW_16 = "《中华人民共和国消防法》第十六条"
FIRE_LAW_28 = "《中华人民共和国消防法》第二十八条"
FIRE_RULES = "《消防监督检查规定》"
PUBLIC_SECURITY = "《旅馆业治安管理办法》第六条 / 《互联网上网服务营业场所管理条例》第二十三条"

# (text, legal basis, default grade in days: "0" immediate, "3", "7", "15")
COMMON = [
    ("疏散通道、安全出口畅通，未被占用、堵塞、封闭", FIRE_LAW_28, "0"),
    ("疏散指示标志、应急照明完好有效", FIRE_LAW_16, "3"),
    ("灭火器配置齐全、压力正常、在有效期内", FIRE_LAW_16, "3"),
    ("室内消火栓完好，未被遮挡、圈占", FIRE_LAW_28, "7"),
    ("电气线路敷设规范，无私拉乱接", FIRE_LAW_16, "7"),
    ("用火用气安全（燃气报警装置、软管完好）", FIRE_LAW_16, "3"),
    ("电动自行车不在室内或楼道停放、充电", FIRE_LAW_28, "0"),
    ("住宿与生产经营储存不在同一空间（无“三合一”）", FIRE_LAW_16, "0"),
    ("消防安全责任人和消防安全制度明确", FIRE_LAW_16, "15"),
    ("员工掌握“四个能力”（检查消除火灾隐患、扑救初起火灾、组织疏散逃生、消防宣传教育）", FIRE_RULES, "15"),
]
VIDEO = ("视频监控运行正常", FIRE_RULES, "7")
REAL_NAME = ("旅客、上网人员实名登记", PUBLIC_SECURITY, "3")

NAMES = {
    VenueKind.SCHOOL: "小学校或幼儿园消防安全检查表",
    VenueKind.CLINIC: "小医院消防安全检查表",
    VenueKind.SHOP: "小商店消防安全检查表",
    VenueKind.RESTAURANT: "小餐饮场所消防安全检查表",
    VenueKind.HOTEL: "小旅馆消防安全及治安检查表",
    VenueKind.ENTERTAINMENT: "小歌舞娱乐场所消防安全检查表",
    VenueKind.INTERNET_CAFE: "小网吧消防安全及治安检查表",
    VenueKind.BEAUTY_BATH: "小美容洗浴场所消防安全检查表",
    VenueKind.WORKSHOP: "小生产加工企业消防安全检查表",
    VenueKind.GROUP_RENTAL: "群租房消防安全检查表",
    VenueKind.FIRE_KEY_SITE: "消防安全重点单位检查表",
}


def standard_items(kind: str) -> list[tuple[str, str, str]]:
    """The items for one venue type, in order."""
    items = list(COMMON)
    if kind in (VenueKind.HOTEL, VenueKind.INTERNET_CAFE):
        items += [VIDEO, REAL_NAME]
    elif kind in (VenueKind.SCHOOL, VenueKind.ENTERTAINMENT, VenueKind.FIRE_KEY_SITE, VenueKind.GROUP_RENTAL):
        items.append(VIDEO)
    return items
