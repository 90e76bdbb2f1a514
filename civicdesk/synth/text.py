"""Short Chinese ticket descriptions from templates per subcategory with place fill-ins.

Slots: {site} 小区 or village name, {loc} 小区 + building (urban) or village (rural), {road} a road
of the street, {bld} building, {unit} unit, {n} a small number, {t} a room temperature, {p} a price.
"""
from __future__ import annotations

import numpy as np

from civicdesk.synth.places import Places
from civicdesk.synth.topics import PERSISTENT_CALLERS, TOPICS

TEMPLATES: dict[str, tuple[str, ...]] = {
    "政策咨询": ("咨询{site}老旧小区改造补贴政策", "咨询新生儿落户及生育津贴办理流程", "咨询个体工商户减免政策如何申请"),
    "证照办理": ("咨询营业执照变更需要哪些材料", "反映{road}政务服务点办理不动产证排队时间长", "咨询食品经营许可证延续办理"),
    "企业诉求": ("{road}某企业反映用工招聘困难，希望协调", "企业反映厂区门前{road}道路狭窄，货车进出困难", "企业咨询技改项目补贴申报"),
    "代办帮办": ("{loc}独居老人申请代办医保卡", "{site}居民申请帮办残疾证年审", "为{site}困难户代办临时救助申请"),
    "生活服务求助": ("{loc}居民钥匙锁在屋内，求助开锁", "{site}老人走失，家属求助寻找", "{loc}下水道堵塞，求助疏通"),
    "老年人服务": ("{site}高龄老人咨询高龄津贴发放", "{loc}老人申请居家养老上门服务", "{site}希望增设老年食堂"),
    "就业创业咨询": ("咨询{site}周边公益岗位招聘", "咨询创业担保贷款申请条件", "返乡人员咨询就业培训报名"),
    "消防安全隐患": ("{loc}楼道堆放杂物，堵塞消防通道", "{site}消防栓无水，灭火器过期", "{road}沿街商铺住人，存在消防隐患"),
    "燃气安全隐患": ("{loc}燃气管道锈蚀，有异味", "{road}餐馆液化气罐违规存放", "{site}燃气表箱破损"),
    "用电安全隐患": ("{loc}楼道电线私拉乱接", "{site}配电箱门损坏，线路裸露", "{road}路边电线杆倾斜"),
    "危房隐患": ("{site}有一处危房无人居住，墙体开裂", "{loc}外墙皮脱落，威胁行人安全", "{site}老旧房屋屋顶漏雨，存在坍塌风险"),
    "道路交通安全隐患": ("{road}与{road2}路口红绿灯损坏", "{road}路段缺少减速带，车速过快", "{site}村口道路急弯无警示标志"),
    "生产经营场所隐患": ("{road}一小作坊无证生产，存在安全隐患", "{site}附近加工厂堆放易燃物", "{road}仓库消防设施不全"),
    "自建房安全": ("{site}村民自建房违规加层", "{site}出租自建房安全排查发现问题", "{road}沿街自建房改作经营用途"),
    "民生建议": ("{site}居民建议增设公交站点", "建议在{road}增设便民菜市场", "{site}居民建议小区增设健身器材"),
    "政策意见": ("{site}群众对医保缴费标准提高有意见", "群众对{site}垃圾分类政策有建议", "{site}村民对农村厕所改造有意见"),
    "群众关切": ("{site}居民关心学区划分调整", "{site}群众关注拆迁安置进度", "{site}村民关心道路硬化何时施工"),
    "舆情线索": ("网传{site}发生纠纷，需核实", "{site}业主群反映集体维权苗头", "{road}一商户短视频发布不实信息"),
    "村务公开": ("{site}村民要求公开村集体收支", "{site}村务公开栏长期未更新", "{site}村民对低保评定公示有疑问"),
    "邻里纠纷": ("{loc}邻居装修噪音引发矛盾", "{site}两户因宅前空地使用发生争执", "{loc}楼上漏水导致楼下受损，双方协商未果"),
    "婚姻家庭纠纷": ("{site}一对夫妻因离婚财产分割发生纠纷", "{site}兄弟因老人赡养问题发生矛盾", "{site}家庭成员因房产继承发生争议"),
    "土地承包纠纷": ("{site}两户村民因承包地边界发生争执", "{site}村民反映承包地被占用", "{site}流转土地租金未按时支付"),
    "物业纠纷": ("{site}业主与物业因物业费发生纠纷", "{site}业主与物业因车位问题发生矛盾", "{site}物业公司撤场交接引发纠纷"),
    "劳资纠纷": ("{road}一企业拖欠{n}名工人工资", "{site}装修工人讨要工钱", "{road}饭店员工被辞退后索要补偿"),
    "宅基地纠纷": ("{site}两户因宅基地界址发生争执", "{site}村民翻建房屋占用邻居宅基地", "{site}宅基地确权有争议"),
    "损害赔偿纠纷": ("{road}交通事故赔偿协商未果", "{site}狗咬伤人赔偿纠纷", "{loc}高空坠物砸坏车辆赔偿纠纷"),
    "合同纠纷": ("{site}村民与收购商买卖合同纠纷", "{site}房屋租赁合同押金纠纷", "{road}商户装修合同纠纷"),
    "重点人员走访": ("走访{site}独居老人，生活正常", "走访{site}困难家庭，了解救助需求", "走访{site}重点关注人员，情绪稳定"),
    "重点场所巡查": ("巡查{road}沿街商铺，未发现异常", "巡查{site}出租房屋", "巡查{road}小餐饮场所"),
    "防汛巡查": ("巡查{site}河道，水位正常", "{site}低洼地段排水不畅", "{road}积水点巡查"),
    "森林防火巡查": ("巡查{site}山林，未发现火情", "{site}林区入口防火宣传", "{site}山上有人上坟烧纸"),
    "秸秆禁烧巡查": ("巡查{site}农田，未发现焚烧", "{site}田间有焚烧秸秆痕迹", "{site}秸秆堆放在路边"),
    "噪声扰民": ("{road}工地夜间施工噪音扰民", "{loc}楼下商铺音响声音过大", "{site}广场舞音响扰民"),
    "大气污染": ("{road}附近工厂排放黑烟", "{site}附近有刺鼻气味", "{road}渣土车未覆盖，扬尘严重"),
    "油烟扰民": ("{loc}底商饭店油烟直排", "{road}烧烤摊油烟扰民", "{site}楼下餐馆油烟管道未改造"),
    "污水排放": ("{site}附近有污水直排入河", "{road}雨污管道混接，污水外溢", "{site}养殖场污水乱排"),
    "垃圾清运": ("{site}垃圾桶满溢未及时清运", "{road}路边建筑垃圾无人清理", "{site}村口垃圾堆放多日"),
    "秸秆焚烧": ("{site}有人焚烧秸秆", "{site}田间焚烧垃圾，烟雾大", "{road}路边焚烧落叶"),
    "道路破损": ("{road}路面坑洼不平", "{road}人行道砖破损", "{site}门口道路塌陷"),
    "路灯不亮": ("{road}路灯不亮已有{n}天", "{site}小区路灯损坏", "{road}与{road2}交叉口路灯不亮"),
    "违章建筑": ("{loc}楼顶私搭乱建", "{site}一楼住户违规扩建院墙", "{road}沿街违规搭建彩钢棚"),
    "道路积水": ("{road}雨后严重积水，车辆无法通行", "{site}门口积水排不出去", "{road}下穿桥积水"),
    "井盖缺失": ("{road}井盖缺失，存在安全隐患", "{site}井盖破损下沉", "{road}雨水井盖松动"),
    "施工扰民": ("{road}道路施工影响出行", "{site}附近工地渣土车扰民", "{road}施工围挡占用人行道"),
    "农村道路": ("{site}村内道路坑洼，雨天泥泞", "{site}通村路损坏，要求维修", "{site}生产路被挖断"),
    "暖气不热": ("{loc}暖气不热，室温不到{t}度", "{loc}家中暖气片上热下凉", "{site}部分住户暖气不热"),
    "停暖": ("{site}突然停暖，未提前通知", "{loc}暖气停了一天还未恢复", "{site}换热站故障停暖"),
    "供暖收费": ("咨询{site}供暖费缴费标准", "{loc}房屋空置，申请暖气停供减免", "反映{site}供暖费收取不合理"),
    "管道漏水": ("{loc}暖气管道漏水", "{site}供热管网跑水", "{loc}暖气阀门漏水"),
    "申请供暖": ("{site}居民申请开通集中供暖", "{loc}申请重新接入供暖", "{site}村民咨询清洁取暖改造"),
    "物业服务差": ("{site}物业不作为，卫生无人打扫", "{site}物业人员态度差", "{site}物业对业主报修不理不睬"),
    "电梯故障": ("{loc}电梯频繁故障困人", "{loc}电梯停运{n}天未修", "{loc}电梯运行有异响"),
    "公共维修": ("{loc}楼道灯不亮", "{loc}单元门门禁损坏", "{loc}屋顶漏水需要维修"),
    "停车管理": ("{site}车辆乱停乱放，堵塞通道", "{site}外来车辆占用车位", "{site}停车收费不合理"),
    "物业收费": ("{site}物业费上涨未公示", "{site}物业收费标准不透明", "{site}物业强制收取装修押金"),
    "楼道杂物": ("{loc}楼道堆放杂物", "{loc}楼道内长期堆放纸箱", "{loc}楼道放置自行车等杂物"),
    "停水": ("{site}突然停水，未接到通知", "{loc}停水{n}小时未恢复", "{site}自来水管网维修停水"),
    "水压低": ("{loc}水压低，高层用不上水", "{site}水压不稳", "{site}早晚用水高峰水压低"),
    "停电": ("{site}突然停电", "{loc}停电{n}小时未恢复", "{site}经常跳闸停电"),
    "电价电费": ("反映{site}电费异常偏高", "{site}商业用电价格咨询", "{loc}电表计量不准"),
    "燃气故障": ("{loc}燃气打不着火", "{loc}燃气表故障", "{site}燃气压力不足"),
    "燃气缴费": ("{loc}燃气缴费后未到账", "咨询{site}燃气开户流程", "{site}燃气费阶梯价格咨询"),
    "养老保险": ("咨询城乡居民养老保险缴费档次", "{site}老人养老金未按时到账", "咨询养老保险转移接续"),
    "医保报销": ("咨询异地就医备案办理", "反映医保报销比例问题", "{site}居民咨询医保缴费"),
    "低保救助": ("{site}困难家庭申请低保", "{site}村民对低保资格有疑问", "{loc}申请临时救助"),
    "欠薪讨薪": ("{road}工地拖欠农民工工资", "{site}附近饭店拖欠员工工资", "{road}一公司拖欠{n}名员工工资"),
    "就业补贴": ("咨询灵活就业社保补贴", "咨询一次性创业补贴申请", "咨询吸纳就业补贴"),
    "残疾人补贴": ("{site}残疾人两项补贴未到账", "咨询残疾人护理补贴申请", "{site}残疾人申请辅具"),
    "食品安全": ("{road}一饭店食品不卫生", "{site}附近超市销售过期食品", "{road}早餐摊无健康证"),
    "价格欺诈": ("{road}一商户虚假打折", "{site}超市标价与结算价不符", "{road}加油站价格欺诈"),
    "产品质量": ("购买的电动车质量问题", "{road}商场购买家电质量问题", "购买的门窗质量不合格"),
    "消费纠纷": ("{road}健身房预付卡退费难", "{road}培训机构跑路，预付费无法退还", "{site}附近理发店办卡后关门"),
    "无证经营": ("{road}一门店无证经营", "{site}有人无证销售农资", "{road}流动摊贩无证经营"),
    "公交线路": ("建议{site}增设公交线路", "{road}公交车班次少", "{road}公交站牌损坏"),
    "教育入学": ("咨询{site}学区划分", "咨询孩子转学手续", "{site}附近学校门口接送拥堵"),
    "户籍业务": ("咨询户口迁移办理", "咨询身份证补办", "咨询新生儿落户"),
    "宠物扰民": ("{loc}邻居养狗扰民", "{site}流浪狗伤人", "{site}有人遛狗不牵绳"),
    "其他咨询": ("咨询{road}附近有无核酸检测点", "咨询{site}的办事地点", "咨询相关政策"),
}
FOLLOWUP_PREFIXES = ("再次反映：", "此前反映的问题仍未解决，", "重复来电：", "多次反映未果，")


def _fill(tpl: str, site: str, loc: str, road: str, road2: str, bld: int, unit: int, n: int) -> str:
    return tpl.format(site=site, loc=loc, road=road, road2=road2, bld=bld, unit=unit, n=n,
                      t=12 + n % 5, p=f"{0.9 + 0.1 * (n % 4):.1f}")


def describe(rng: np.random.Generator, places: Places, street: np.ndarray, grid: np.ndarray,
             subcat_name: np.ndarray, topic: np.ndarray, persistent: np.ndarray, site_override: list,
             root: np.ndarray, site_u: np.ndarray, bld: np.ndarray) -> np.ndarray:
    """Descriptions (object array) for all tickets; follow-ups repeat their root's text with a prefix.

    Args:
        site_u: uniform per ticket choosing the 小区 of the grid; bld: building number per ticket.
        root: index of the ticket a follow-up repeats (itself for first contacts).
    """
    n = len(street)
    counts = np.array([len(p) for p in places.grid_places])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = np.array([s for p in places.grid_places for s in p], dtype=object)
    site = flat[offsets[grid] + np.minimum((site_u * counts[grid]).astype(int), counts[grid] - 1)]
    override = np.array(site_override, dtype=object)
    has_o = np.array([o is not None for o in site_override], dtype=bool)
    site = np.where(has_o, override, site)
    urban = places.grid_urban[grid]
    roads = [np.array(r, dtype=object) for r in places.street_roads]
    nroads = np.array([len(r) for r in roads])
    ri = (rng.random(n) * nroads[street]).astype(int)
    ri2 = (ri + 1 + (rng.random(n) * (nroads[street] - 1)).astype(int)) % nroads[street]
    road_flat = np.concatenate(roads)
    roff = np.concatenate([[0], np.cumsum(nroads)])
    road, road2 = road_flat[roff[street] + ri], road_flat[roff[street] + ri2]
    unit = rng.integers(1, 5, n)
    num = rng.integers(2, 30, n)
    tu = rng.random(n)
    out = np.empty(n, dtype=object)
    topic_tpl = [t.templates for t in TOPICS]
    pers_tpl = [p.templates for p in PERSISTENT_CALLERS]
    for i in range(n):
        if topic[i] >= 0:
            tpls = topic_tpl[topic[i]]
        elif persistent[i] >= 0:
            tpls = pers_tpl[persistent[i]]
        else:
            tpls = TEMPLATES[subcat_name[i]]
        tpl = tpls[int(tu[i] * len(tpls))]
        s = site[i]
        loc = f"{s}{bld[i]}号楼" if urban[i] else s
        out[i] = _fill(tpl, s, loc, road[i], road2[i], bld[i], unit[i], num[i])
    follow = root != np.arange(n)
    if follow.any():
        idx = np.flatnonzero(follow)
        pre = np.asarray(FOLLOWUP_PREFIXES, dtype=object)[rng.integers(0, len(FOLLOWUP_PREFIXES), len(idx))]
        out[idx] = pre + out[root[idx]]
    return out
