"""Callers known only by an honorific or a generic word no longer share one caller key.

Before this revision a ticket without a phone number was keyed by its caller's name, whatever it was, so
twenty residents who each left only "张先生" (Mr Zhang) became one caller with twenty contacts, inflating the
repeat-contact rate and the key-problem list. The importer now gives such tickets no caller key
(`civicdesk.ingest.callers.is_generic_name`). Raw names are not stored, only their keyed hashes, so this
upgrade hashes the generic names an export usually holds (a snapshot of
`civicdesk.ingest.callers.generic_names` and `placeholder_phones` at this revision: the ~400 commonest
surnames with each form of address, 匿名, 市民, "Mr. Zhang", phone placeholders such as 0 or 12345) with the
installation's secret and sets the tickets holding one of those keys to no caller key. When it changed any
ticket it asks `civicdesk.store.connect` to rebuild the rollup (the `rollup_rebuild` flag), whose repeat
contacts depend on the keys. Migrations never import library code that may change, so the lists are
copied here.

When no secret is reachable (the file named by `CIVICDESK_SECRET_FILE`, default data/caller.key, is absent
or damaged) while the store holds imported caller keys, nothing can be recognised: the upgrade sets the
`caller_rekey_pending` flag in `store_info` instead, and `civicdesk.ingest.callers.rekey_generic(engine)`
does the work (and clears the flag) once the secret is in place. The downgrade cannot restore the keys.

Revision ID: 0008
Revises: 0007
"""
import hashlib
import hmac
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from civicdesk import config

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KEY_HEX_CHARS = 32
_CHUNK = 500

_SURNAMES_ALL = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳"
    "管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼"
    "蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄"
    "邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸"
    "奉植衡富尧闭由"
)
_COMPOUND = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
    "令狐", "钟离", "端木", "澹台", "百里", "南宫", "西门", "独孤", "呼延", "万俟", "单于", "申屠", "闻人", "太史",
    "东郭", "公冶", "赫连", "濮阳", "淳于", "仲孙", "宗政", "司空", "司寇", "巫马", "公西", "漆雕", "乐正", "公良",
    "拓跋", "夹谷", "宰父", "谷梁", "段干", "第五", "梁丘", "左丘", "东门", "羊舌", "微生", "公羊",
)
_HONORIFICS = (
    "先生", "女士", "小姐", "太太", "夫人", "师傅", "师父", "老师", "阿姨", "大爷", "大妈", "大姐", "大哥", "大叔",
    "大婶", "大娘", "大伯", "大嫂", "同学", "老人", "老太", "老太太", "老先生", "老大爷", "老奶奶", "老爷子", "奶奶", "爷爷",
    "叔叔", "伯伯", "婶婶", "婶子", "阿婆", "婆婆", "阿伯", "阿叔", "姐姐", "哥哥", "同志", "经理", "老板", "主任",
    "书记", "医生", "大夫", "律师", "会计", "校长", "警官", "队长", "科长", "局长", "村长", "组长", "站长", "厂长",
    "家长", "男士", "小朋友", "姐", "哥", "叔", "姨", "伯", "嫂", "婶", "总", "工", "老",
)
_NOUNS = (
    "市民", "群众", "居民", "村民", "业主", "网友", "网民", "住户", "租户", "用户", "游客", "来电人", "来电者", "来访人",
    "来访者", "反映人", "投诉人", "举报人", "求助人", "咨询人", "诉求人", "当事人", "申请人", "留言人", "留言者", "家长", "学生", "患者",
    "病人", "消费者", "顾客", "客户", "乘客", "司机", "商户", "店主", "职工", "员工", "工人", "农民工", "老人", "百姓",
    "老百姓", "公民", "路人", "好心人", "志愿者", "本人", "人员", "先生", "女士", "小姐",
)
_MODIFIERS = (
    "热心", "匿名", "某", "一位", "一名", "该", "本", "小区", "社区", "本小区", "本村", "附近",
)
_WORDS = (
    "anon", "anonymous", "caller", "citizen", "customer", "guest", "member of the public", "n.a", "n/a",
    "na", "nan", "neighbor", "neighbour", "nil", "no name", "noname", "none", "not available",
    "not given", "not provided", "null", "owner", "person", "public", "resident", "residents", "tenant",
    "test", "tourist", "unknown", "unnamed", "unspecified", "user", "visitor", "不愿留名", "不愿透露",
    "不愿透露姓名", "不详", "保密", "其他", "其它", "匿名", "姓名保密", "无", "无名",
    "无名氏", "暂无", "有人", "未填", "未填写", "未提供", "未留", "未留名", "未留姓名",
    "未知", "未详", "来电", "某人", "某某", "没有", "测试", "空", "隐私",
)
_ENGLISH = (
    "mr", "mrs", "ms", "miss", "mx", "mister", "madam", "madame", "mme", "sir", "dr", "master", "auntie", "aunt",
    "uncle", "grandpa", "grandma",
)
_PINYIN = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng",
    "cao", "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "yu", "jiang", "cai", "du", "ye", "cheng",
    "su", "wei", "lv", "lu", "ding", "ren", "shen", "yao", "cui", "zhong", "tan", "fan", "jin", "shi",
    "liao", "jia", "xia", "fu", "fang", "bai", "zou", "meng", "xiong", "qin", "qiu", "yin", "xue", "yan",
    "duan", "lei", "hou", "long", "tao", "gu", "mao", "hao", "gong", "shao", "wan", "qian", "kong", "xiang",
    "chang", "wen", "kang", "niu", "ge", "an", "qi", "qiao", "pang", "ni", "zhuang", "nie", "yue", "zhai",
    "guan", "lan", "jiao", "zuo", "gan", "bao", "ning", "shu", "mei", "tong", "ling", "bi", "ji", "pei",
    "huo", "miao", "sheng", "qu", "weng", "ran", "ouyang", "situ", "shangguan", "zhuge",
)


def _names() -> list[str]:
    out: list[str] = []
    for sur in (*_SURNAMES_ALL, *_COMPOUND):
        out += [sur + h for h in _HONORIFICS]
        out += [sur, sur + "某", sur + "某某", sur + "某某某", sur + "*", sur + "**", sur + "***", sur + "×", sur + "××",
                sur + "姓", sur + "某先生", sur + "某女士"]
        out += [sur + "姓" + n for n in ("市民", "群众", "居民", "村民", "业主", "网友")]
        if len(sur) == 1:
            out += ["老" + sur, "小" + sur, "阿" + sur]
    out += ["某" + h for h in _HONORIFICS] + list(_HONORIFICS)
    for noun in _NOUNS:
        out += [noun, noun + "们", noun + "朋友"] + [m + noun for m in _MODIFIERS]
    for word in _WORDS:
        out += [word, word.upper(), word.title(), word.capitalize()]
    out += ["-", "--", "---", "/", "//", "\\", ".", "..", "...", "。", "?", "？", "*", "**", "***", "x", "xx", "xxx",
            "X", "XX", "XXX", "×", "××", "0", "00", "000", "#", "N/A", "NA", "n.a.", "N.A."]
    for title in _ENGLISH:
        for form in (title.title(), title.upper(), title):
            out += [form, form + "."]
    for title in ("Mr", "Mrs", "Ms", "Miss", "Madam"):
        for pinyin in _PINYIN:
            for sep in (" ", ". ", "."):
                out.append(title + sep + pinyin.title())
    for pinyin in _PINYIN:
        out += [f"{pinyin.title()} {w}" for w in ("xiansheng", "nvshi", "Xiansheng", "Nvshi")]
    return [name for name in dict.fromkeys(out) if name.strip() == name and name]


def _phones() -> list[str]:
    out = [f"{i:0{n}d}" for n in range(1, 5) for i in range(10 ** n)]
    out += ["12345", "12315", "12369", "12319", "12320", "12328", "12333", "12338", "12348", "12351", "12358",
            "12365", "12366", "95598", "96166", "123456"]
    out += [d * n for d in "0123456789" for n in range(5, 21)]
    return list(dict.fromkeys(out))


def _keys(secret: bytes) -> list[str]:
    out = set()
    for kind, values in (("name", _names()), ("tel", _phones())):
        keyed = hmac.new(secret, f"{kind}:".encode(), hashlib.sha256)
        for value in values:
            digest = keyed.copy()
            digest.update(value.encode())
            out.add(digest.hexdigest()[:_KEY_HEX_CHARS])
    return sorted(out)


def _secret() -> bytes | None:
    """The installation's caller-hashing secret if it exists and is whole; never created here."""
    path = Path(config.secret_path())
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return text.encode() if len(text) >= 32 else None


def upgrade() -> None:
    conn = op.get_bind()
    info = sa.table("store_info", sa.column("key", sa.String), sa.column("value", sa.Text))
    tickets = sa.table("tickets", sa.column("caller_key", sa.String), sa.column("batch_id", sa.Integer))
    keyed = tickets.c.caller_key.isnot(None)
    if conn.execute(sa.text("SELECT 1 FROM store_info WHERE key = 'demo_seed'")).first() is not None:
        keyed = keyed & tickets.c.batch_id.isnot(None)  # the demo's own keys come from no name: only imports count
    if conn.execute(sa.select(tickets.c.caller_key).where(keyed).limit(1)).first() is None:
        return  # no imported caller keys (a new store, the demo alone): nothing to correct
    secret = _secret()
    if secret is None:
        op.execute(info.delete().where(info.c.key == "caller_rekey_pending"))
        op.execute(info.insert().values(key="caller_rekey_pending", value="1"))
        return
    keys = _keys(secret)
    changed = 0
    for i in range(0, len(keys), _CHUNK):
        result = conn.execute(tickets.update().where(tickets.c.caller_key.in_(keys[i:i + _CHUNK]))
                              .values(caller_key=None))
        changed += result.rowcount or 0
    if changed:
        op.execute(info.delete().where(info.c.key == "rollup_rebuild"))
        op.execute(info.insert().values(key="rollup_rebuild", value="1"))


def downgrade() -> None:
    pass  # the cleared keys cannot be restored (they were wrong: one key for many residents)
