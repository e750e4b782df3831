"""Generate a synthetic casebook of N documents (cases and guides) that passes `indexer.py check`.

Texts are assembled from per-category fact patterns, procedure and evidence sentences, statute
citations and a long tail of generated place, company and item names, so that the vocabulary
grows with the corpus the way real case files do. The same seed gives the same corpus.

    python benchmarks/synth.py 10000 /tmp/corpus10k
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA_FILES = ("taxonomy.yaml", "synonyms.txt", "userdict.txt", "charges.txt")

# category -> case type, charges, citations, tags, fact patterns, legal points
PROFILES: dict[str, dict] = {
    "盗窃": dict(
        type="刑事",
        charges=["盗窃罪"],
        laws=["刑法第二百六十四条", "刑法第六十七条", "刑法第五十二条"],
        tags=["多次盗窃", "入户盗窃", "扒窃", "电动车", "电瓶", "视频侦查", "销赃", "价格认定", "携带凶器"],
        facts=[
            "{人}趁{时}无人看管，在{地}撬锁盗走{物}一{量}，经价格认定价值{额}元",
            "{人}在{地}多次盗窃他人停放的{物}，共计{n}次，涉案价值{额}元",
            "{人}在{地}公交车上扒窃乘客{物}，被便衣民警当场抓获",
            "{人}翻窗进入{地}一户居民家中，窃取现金{额}元及{物}",
            "{人}携带螺丝刀、液压钳等工具在{地}盗窃{物}后，以{额}元价格销赃给废品收购人员",
        ],
        points=[
            "二年内盗窃三次以上的构成多次盗窃，不以数额较大为要件",
            "入户盗窃不要求数额较大",
            "扒窃的对象是他人随身携带的财物",
        ],
    ),
    "诈骗": dict(
        type="刑事",
        charges=["诈骗罪"],
        laws=["刑法第二百六十六条", "刑法第六十四条"],
        tags=["虚构事实", "隐瞒真相", "冒充身份", "借款", "婚恋", "退赃退赔", "数额认定"],
        facts=[
            "{人}虚构可以帮助办理{事}的事实，先后骗取被害人{人2}人民币{额}元",
            "{人}冒充{身份}，以需要缴纳保证金为由骗得{人2}转账{额}元",
            "{人}隐瞒已婚事实，以谈恋爱为名多次向{人2}借款共计{额}元后拒不归还并失去联系",
            "{人}以投资{地}项目可获高额回报为名，骗取{人2}等{n}人资金{额}元",
        ],
        points=["诈骗罪的核心是被害人基于错误认识处分财产", "数额以实际骗取并控制的金额计算"],
    ),
    "电信网络诈骗": dict(
        type="刑事",
        charges=["诈骗罪"],
        laws=["刑法第二百六十六条", "反电信网络诈骗法第三十一条"],
        tags=["电诈", "刷单返利", "冒充客服", "资金查控", "止付冻结", "涉诈账户", "跨境"],
        facts=[
            "被害人{人2}在{平台}上看到刷单返利广告，按对方指示下载{应用}并先后转账{额}元后发现被骗",
            "{人}冒充{平台}客服，以注销校园贷账户为由诱骗{人2}向指定账户转账{额}元",
            "犯罪团伙通过{应用}发布虚假投资理财信息，诱使{人2}在虚假平台充值{额}元",
            "接报后民警立即通过反诈平台对涉案账户{n}个进行紧急止付，冻结资金{额}元",
        ],
        points=["接报后第一时间止付冻结是挽回损失的关键", "资金流向分析应当逐级溯源"],
    ),
    "帮助信息网络犯罪活动": dict(
        type="刑事",
        charges=["帮助信息网络犯罪活动罪"],
        laws=["刑法第二百八十七条之二", "刑法第二十五条"],
        tags=["帮信", "两卡", "银行卡", "电话卡", "出租出借", "支付结算", "明知"],
        facts=[
            "{人}明知他人利用信息网络实施犯罪，仍将本人名下{n}张银行卡出售给上家，获利{额}元",
            "{人}将其办理的手机卡{n}张出租给他人用于发送诈骗短信，非法获利{额}元",
            "经查，{人}提供的银行卡流水达{额}元，其中被害人被骗资金{额2}元",
            "{人}按上家要求携带银行卡到{地}酒店，为他人刷脸转账提供帮助",
        ],
        points=["明知的认定应当结合交易异常、获利情况和供述综合判断", "支付结算金额二十万元以上属于情节严重"],
    ),
    "抢劫抢夺": dict(
        type="刑事",
        charges=["抢劫罪", "抢夺罪"],
        laws=["刑法第二百六十三条", "刑法第二百六十七条", "刑法第二百六十九条"],
        tags=["抢劫", "抢夺", "飞车抢夺", "转化型抢劫", "持刀", "入户抢劫", "追赃"],
        facts=[
            "{人}驾驶摩托车在{地}路段从背后抢走行人{人2}挎包一个，内有现金{额}元及手机一部",
            "{人}持水果刀在{地}拦住{人2}，威胁其交出{物}及现金{额}元",
            "{人}盗窃{物}时被发现，为抗拒抓捕对追赶的{人2}拳打脚踢，致其轻微伤",
        ],
        points=["盗窃后为抗拒抓捕当场使用暴力的转化为抢劫", "飞车抢夺致人伤亡的可以认定为抢劫"],
    ),
    "故意伤害": dict(
        type="刑事",
        charges=["故意伤害罪"],
        laws=["刑法第二百三十四条", "刑法第三十六条", "刑事诉讼法第二百八十八条"],
        tags=["轻伤", "伤情鉴定", "刑事和解", "正当防卫", "邻里纠纷", "赔偿谅解"],
        facts=[
            "{人}与邻居{人2}因{纠纷}发生争执，{人}持木棍击打{人2}头部，经鉴定构成轻伤二级",
            "{人}在{地}因琐事与{人2}发生口角后殴打对方，致其鼻骨骨折，损伤程度为轻伤一级",
            "{人}酒后与{人2}发生冲突，用啤酒瓶砸伤{人2}，经法医鉴定为轻伤二级",
        ],
        points=["伤情鉴定应当在伤后及时委托并告知当事人", "因民间纠纷引起的轻伤害案件可以依法适用刑事和解"],
    ),
    "寻衅滋事": dict(
        type="刑事",
        charges=["寻衅滋事罪"],
        laws=["刑法第二百九十三条", "治安管理处罚法第三十条"],
        tags=["随意殴打", "强拿硬要", "起哄闹事", "公共场所", "恶势力", "多次"],
        facts=[
            "{人}等三人酒后在{地}无故殴打路人{人2}，致其轻微伤",
            "{人}在{地}农贸市场强拿硬要摊主商品，价值共计{额}元",
            "{人}纠集他人在{地}起哄闹事，造成公共场所秩序严重混乱",
        ],
        points=["随意殴打应当考察行为人是否无事生非、借故生非", "多次随意殴打他人的构成寻衅滋事罪"],
    ),
    "危险驾驶": dict(
        type="刑事",
        charges=["危险驾驶罪"],
        laws=["刑法第一百三十三条之一", "道路交通安全法第九十一条"],
        tags=["醉驾", "血液酒精含量", "抽血", "呼气检测", "道路认定", "认罪认罚", "吊销驾照"],
        facts=[
            "{人}酒后驾驶{车}沿{地}行驶时被执勤民警查获，呼气检测结果为{酒}mg/100ml",
            "经鉴定，{人}血液中乙醇含量为{酒}毫克/100毫升，属于醉酒驾驶机动车",
            "{人}醉酒后驾驶{车}在{地}小区内道路倒车时与停放车辆发生碰撞",
        ],
        points=[
            "醉驾以血液酒精含量鉴定为准，抽血应当在查获后及时进行",
            "小区内道路是否属于道路应当结合是否允许社会车辆通行认定",
        ],
    ),
    "交通肇事": dict(
        type="刑事",
        charges=["交通肇事罪"],
        laws=["刑法第一百三十三条", "道路交通安全法第七十条"],
        tags=["交通事故", "事故认定", "逃逸", "全部责任", "主要责任", "赔偿"],
        facts=[
            "{人}驾驶{车}在{地}路口未按规定让行，与{人2}驾驶的电动自行车相撞，致{人2}经抢救无效死亡",
            "事故发生后{人}驾车逃离现场，次日到公安机关投案，经交警部门认定负事故全部责任",
            "{人}驾驶重型货车超载行驶，在{地}弯道处侧翻，造成{n}人受伤",
        ],
        points=["交通肇事后逃逸是加重处罚情节", "事故责任认定书是认定交通肇事罪的重要证据"],
    ),
    "赌博与开设赌场": dict(
        type="刑事",
        charges=["开设赌场罪", "赌博罪"],
        laws=["刑法第三百零三条", "治安管理处罚法第七十条"],
        tags=["开设赌场", "网络赌博", "抽头渔利", "赌资", "赌博机", "代理"],
        facts=[
            "{人}在{地}租用民房设置赌桌{n}张，组织他人以“牌九”方式赌博并抽头渔利{额}元",
            "{人}担任境外赌博网站代理，发展下线会员{n}人，接受投注金额{额}元",
            "{人}在其经营的{地}超市内摆放赌博机{n}台，供他人赌博",
        ],
        points=["以营利为目的提供赌博场所并抽头的构成开设赌场罪", "赌资数额应当以查证属实的投注金额认定"],
    ),
    "毒品犯罪": dict(
        type="刑事",
        charges=["走私、贩卖、运输、制造毒品罪", "非法持有毒品罪", "容留他人吸毒罪"],
        laws=["刑法第三百四十七条", "刑法第三百四十八条", "刑法第三百五十四条"],
        tags=["贩毒", "甲基苯丙胺", "海洛因", "毒品称量", "容留吸毒", "控制下交付", "毒资"],
        facts=[
            "{人}在{地}以{额}元的价格向{人2}贩卖甲基苯丙胺{克}克，被民警当场抓获",
            "民警在{人}住处查获疑似毒品海洛因{克}克，经鉴定检出海洛因成分",
            "{人}在其出租屋内容留{人2}等人吸食甲基苯丙胺",
        ],
        points=["毒品数量以查证属实的为准，不以纯度折算", "容留他人吸毒的，不以营利为目的"],
    ),
    "侵犯公民个人信息": dict(
        type="刑事",
        charges=["侵犯公民个人信息罪"],
        laws=["刑法第二百五十三条之一", "个人信息保护法第十条"],
        tags=["个人信息", "非法获取", "出售", "行踪轨迹", "条数认定", "电子数据"],
        facts=[
            "{人}通过{应用}向他人出售公民个人信息{n}条，获利{额}元",
            "{人}利用在{地}物流公司工作的便利，非法获取快递面单信息{n}条并出售",
            "经对{人}的电脑进行电子数据检查，提取到包含姓名、电话、住址的信息{n}条",
        ],
        points=["个人信息条数应当去重后认定", "电子数据的提取应当制作笔录并计算完整性校验值"],
    ),
    "掩饰隐瞒犯罪所得": dict(
        type="刑事",
        charges=["掩饰、隐瞒犯罪所得、犯罪所得收益罪"],
        laws=["刑法第三百一十二条"],
        tags=["收赃", "销赃", "明知", "废品收购", "二手手机", "取现"],
        facts=[
            "{人}明知{物}系他人盗窃所得，仍以明显低于市场价的{额}元予以收购",
            "{人}经营{地}废品收购站，多次收购来路不明的电缆线共计{n}公斤",
            "{人}明知银行卡内资金系诈骗所得，仍帮助他人在{地}取现{额}元",
        ],
        points=["明知可以根据交易价格、方式和行为人供述综合认定", "上游犯罪事实查证属实是认定本罪的前提"],
    ),
    "妨害公务与袭警": dict(
        type="刑事",
        charges=["妨害公务罪", "袭警罪"],
        laws=["刑法第二百七十七条", "人民警察法第三十五条"],
        tags=["袭警", "妨害公务", "执法记录仪", "依法执行职务", "暴力袭击", "回避"],
        facts=[
            "民警在{地}处置警情时，{人}拒不配合并推搡、踢打民警，致民警轻微伤",
            "{人}酒后阻碍民警依法执行职务，撕扯民警警服并辱骂",
            "{人}驾车冲撞正在设卡检查的民警，致一名辅警受伤",
        ],
        points=["暴力袭击正在依法执行职务的人民警察的构成袭警罪", "执法合法性须以出警记录和执法记录仪证明"],
    ),
    "殴打他人": dict(
        type="行政",
        charges=["殴打他人"],
        laws=["治安管理处罚法第四十三条", "治安管理处罚法第九条"],
        tags=["殴打他人", "轻微伤", "治安调解", "行政拘留", "罚款", "邻里纠纷"],
        facts=[
            "{人}与{人2}因{纠纷}发生口角，{人}用手打了{人2}脸部两下，经鉴定未达轻微伤",
            "{人}在{地}因停车问题与{人2}发生争执并相互推搡，双方均受轻微伤",
        ],
        points=["殴打他人未达轻伤的依照治安管理处罚法处理", "因民间纠纷引起的可以调解处理"],
    ),
    "治安调解": dict(
        type="行政",
        charges=["殴打他人", "故意损毁财物"],
        laws=["治安管理处罚法第九条", "公安机关治安调解工作规范第三条"],
        tags=["治安调解", "调解协议", "履行", "听证式调解", "民间纠纷"],
        facts=[
            "{人}与{人2}因{纠纷}引发冲突，双方同意调解，经民警主持达成赔偿协议{额}元",
            "{人}损坏{人2}的{物}，经调解赔偿{额}元并当场履行",
        ],
        points=["调解应当遵循自愿、合法原则", "不履行调解协议的应当依法处罚"],
    ),
    "吸毒": dict(
        type="行政",
        charges=["吸食毒品"],
        laws=["治安管理处罚法第七十二条", "禁毒法第三十八条"],
        tags=["吸毒", "尿检", "毛发检测", "社区戒毒", "强制隔离戒毒", "吸毒成瘾认定"],
        facts=[
            "民警在{地}检查时发现{人}神情异常，经尿液检测甲基苯丙胺呈阳性",
            "{人}承认在{地}出租屋内吸食冰毒，经毛发检测结果为阳性",
        ],
        points=["吸毒成瘾严重的可以决定强制隔离戒毒", "现场检测结果应当告知当事人并由其签名"],
    ),
    "治安赌博": dict(
        type="行政",
        charges=["参与赌博", "为赌博提供条件"],
        laws=["治安管理处罚法第七十条"],
        tags=["赌博", "麻将", "赌资", "提供条件", "娱乐与赌博界限"],
        facts=[
            "民警在{地}棋牌室查获{人}等{n}人以打麻将方式赌博，现场收缴赌资{额}元",
            "{人}为他人赌博提供场所，收取台费{额}元",
        ],
        points=["区分娱乐与赌博应当考虑输赢数额和当地经济水平", "赌资应当依法收缴"],
    ),
    "治安盗窃": dict(
        type="行政",
        charges=["盗窃"],
        laws=["治安管理处罚法第四十九条"],
        tags=["小额盗窃", "超市", "价格认定", "退赔", "初次"],
        facts=[
            "{人}在{地}超市盗窃{物}，价值{额}元，未达刑事立案标准",
            "{人}顺手拿走他人遗放在{地}的{物}，经调取监控查获",
        ],
        points=["盗窃未达数额较大的依照治安管理处罚法处罚", "价格认定应当以案发时市场价为准"],
    ),
    "扰乱公共秩序": dict(
        type="行政",
        charges=["扰乱单位秩序", "扰乱公共场所秩序"],
        laws=["治安管理处罚法第二十三条", "治安管理处罚法第二十五条"],
        tags=["扰乱秩序", "医院", "车站", "散布谣言", "谎报警情"],
        facts=[
            "{人}在{地}医院大厅吵闹并拒不离开，致使医院诊疗秩序受到影响",
            "{人}在微信群中散布{地}发生疫情的谣言，引起群众恐慌",
            "{人}拨打110谎报{地}发生持刀伤人警情",
        ],
        points=["扰乱单位秩序须造成工作无法正常进行", "散布谣言应当查明信息来源和传播范围"],
    ),
}
GENERAL = {
    "执法规范": ["执法规范化", "执法记录仪", "告知", "权利义务"],
    "证据规范": ["证据规则", "电子数据", "视听资料", "非法证据排除"],
    "强制措施": ["取保候审", "监视居住", "刑事拘留", "逮捕"],
    "未成年人案件": ["未成年人", "合适成年人", "社会调查", "附条件不起诉"],
    "涉案财物": ["涉案财物", "扣押", "返还", "保管"],
    "执法监督": ["执法监督", "案件审核", "质量考评", "过错追究"],
}

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金"
SYLLABLES = (
    "安宝北滨城川春大东丰福港光广和河红湖华嘉江金锦康兰乐利林龙隆美明南宁平浦桥清庆泉仁荣瑞山胜石"
    "泰天通西祥新兴阳永玉元云长正中洲"
)
TOWNS = ["城关镇", "东城街道", "西关街道", "南湖乡", "北山镇", "新华街道", "河口镇", "青石乡", "开发区", "高新区"]
PLACES = ["小区", "广场", "农贸市场", "商业街", "车站", "KTV", "网吧", "烧烤店", "宾馆", "停车场", "工业园", "村委会"]
ITEMS = [
    "电动车",
    "电瓶",
    "手机",
    "笔记本电脑",
    "金项链",
    "现金",
    "电缆线",
    "摩托车",
    "香烟",
    "白酒",
    "自行车",
    "钱包",
    "平板电脑",
    "铜线",
    "变压器",
    "充电宝",
    "化妆品",
    "茶叶",
    "蓄电池",
    "轮胎",
]
MATTERS = ["子女入学", "工作调动", "驾驶证", "户口迁移", "贷款审批", "工程承包", "案件疏通", "低保申请"]
IDENTITIES = ["公安民警", "银行工作人员", "快递客服", "电商客服", "医保工作人员", "法院工作人员"]
PLATFORMS = ["某短视频平台", "某社交软件", "某购物平台", "某游戏平台", "某招聘网站"]
APPS = ["某聊天软件", "某会议软件", "某投资APP", "某贷款APP", "某交友APP"]
DISPUTES = ["宅基地界址", "停车位", "噪音", "债务", "土地承包", "家庭琐事", "装修漏水"]
VEHICLES = ["小型轿车", "二轮摩托车", "重型货车", "面包车", "电动三轮车", "越野车"]
UNITS = ["件", "台", "部", "辆", "个", "块"]
# Procedure and guidance sentences come in topics; a document draws from two or three topics,
# so each topic's words reach a fifth to a third of documents, as in the real casebook.
TOPICS: dict[str, list[str]] = {
    "现场处置": [
        "接报后，{单位}民警于{分}分钟内到达{地}现场，开启执法记录仪，对现场进行勘验并拍照固定",
        "民警到场后先将双方隔离，分别了解情况，并疏散围观群众",
        "接到报警后，应当立即登记，{n}分钟内赶到现场",
        "对现场应当先救治伤员、控制嫌疑人，再勘验固定证据",
    ],
    "视频侦查": [
        "民警调取{地}周边监控视频{n}段，确定嫌疑人的行走轨迹和体貌特征",
        "通过视频追踪，民警发现嫌疑人乘坐出租车前往{地}方向",
        "视频资料应当及时拷贝，注明提取时间、地点和设备编号",
    ],
    "询问讯问": [
        "经传唤，{人}到{单位}接受询问，如实供述了主要事实",
        "民警对被害人{人2}进行询问，制作询问笔录{n}份",
        "传唤嫌疑人应当出示传唤证，询问查证时间不得超过八小时，情况复杂的不得超过二十四小时",
        "制作笔录应当如实记录，交被询问人核对并签名捺印",
        "询问被害人时应当问明{物}的品牌、型号、购买时间和价格",
    ],
    "强制措施": [
        "{单位}依法对{人}刑事拘留，并于二十四小时内通知其家属",
        "因{人}系{病}，不适宜羁押，依法对其取保候审，责令交纳保证金{额}元",
        "案件经法制员审核后，报请{县}人民检察院批准逮捕",
        "需要采取强制措施的，应当在法定期限内报请审批",
        "对取保候审期间的嫌疑人，应当定期了解其遵守规定的情况",
    ],
    "涉案财物": [
        "民警依法对{人}住处进行搜查，扣押{物}等物品，制作扣押清单并由见证人签名",
        "办案单位及时将涉案财物返还被害人，并办理返还手续",
        "涉案财物应当统一进入涉案财物管理中心，实行专人保管",
        "对涉案{物}应当及时扣押，登记名称、数量和特征",
    ],
    "鉴定": [
        "民警委托{县}价格认证中心对涉案{物}进行价格认定，并将结论告知当事人",
        "民警提取现场遗留的烟头、指纹，送{县}公安局物证鉴定室检验",
        "伤情鉴定应当在伤后及时委托，鉴定意见应当告知当事人",
    ],
    "电子数据": [
        "民警对{人}的手机进行电子数据提取，恢复聊天记录{n}条",
        "电子数据应当以原始存储介质扣押，无法扣押的应当提取并计算校验值",
        "民警通过银行查询冻结涉案账户，调取交易明细{n}条",
    ],
    "未成年人": [
        "对未成年嫌疑人询问时，通知其法定代理人到场",
        "对未成年人应当通知合适成年人到场，并进行社会调查",
        "{人}作案时未满十八周岁，依法应当从轻或者减轻处罚",
    ],
    "审核起诉": [
        "侦查终结后，案件移送{县}人民检察院审查起诉",
        "案件审核时应当重点审查事实是否清楚、证据是否确实充分、程序是否合法",
        "处罚决定作出前，应当告知当事人拟作出处罚的事实、理由和依据以及陈述申辩权利",
        "对于超期羁押、违法取证等问题，法制部门应当及时发出执法监督通知",
    ],
}
# Which procedure topics a category's files usually dwell on (others still appear, less often).
TOPIC_AFFINITY: dict[str, tuple[str, ...]] = {
    "盗窃": ("视频侦查", "鉴定", "涉案财物"),
    "治安盗窃": ("视频侦查", "鉴定"),
    "诈骗": ("询问讯问", "电子数据"),
    "电信网络诈骗": ("电子数据", "涉案财物"),
    "帮助信息网络犯罪活动": ("电子数据", "强制措施"),
    "抢劫抢夺": ("视频侦查", "现场处置"),
    "故意伤害": ("鉴定", "现场处置"),
    "寻衅滋事": ("现场处置", "视频侦查"),
    "危险驾驶": ("鉴定", "现场处置"),
    "交通肇事": ("鉴定", "现场处置"),
    "赌博与开设赌场": ("涉案财物", "电子数据"),
    "毒品犯罪": ("强制措施", "涉案财物"),
    "侵犯公民个人信息": ("电子数据",),
    "掩饰隐瞒犯罪所得": ("涉案财物", "询问讯问"),
    "妨害公务与袭警": ("现场处置", "鉴定"),
    "殴打他人": ("现场处置", "询问讯问"),
    "治安调解": ("询问讯问",),
    "吸毒": ("询问讯问", "强制措施"),
    "治安赌博": ("涉案财物",),
    "扰乱公共秩序": ("现场处置",),
    "未成年人案件": ("未成年人",),
    "涉案财物": ("涉案财物",),
    "证据规范": ("电子数据", "鉴定"),
    "强制措施": ("强制措施",),
    "执法监督": ("审核起诉",),
}
REASONING = [
    "根据{法}的规定，{人}的行为构成{罪}",
    "{人}到案后如实供述自己的罪行，依照刑法第六十七条第三款可以从轻处罚",
    "{人}自愿认罪认罚，依照刑事诉讼法第十五条可以依法从宽处理",
    "本案证据之间能够相互印证，形成完整的证据链",
    "被害人的陈述与现场勘验笔录相互印证",
    "办案中应当注意区分罪与非罪的界限，防止降格处理或者拔高认定",
]
RESULTS = [
    "{县}人民法院以{罪}判处{人}有期徒刑{月}个月，并处罚金{额}元",
    "{县}人民法院以{罪}判处{人}拘役{月}个月，缓刑{月2}个月",
    "{单位}依据{法}对{人}处行政拘留{日}日，并处罚款{额}元",
    "双方达成调解协议，{人}赔偿{人2}经济损失{额}元",
    "检察机关对{人}作出相对不起诉决定",
]
BACKGROUND = [
    "{人}，{性别}，{岁}岁，{籍贯}人，{职业}，住{地}",
    "被害人{人2}，{性别}，{岁}岁，{职业}，住{地}",
    "案发前，{人}与{人2}系{关系}关系，平时{往来}",
    "{时间}，{人}在{地}被民警抓获",
    "经查，{人}曾因{前科}于{年份}年被{处理}",
    "{人}到案后称，其作案是因为{动机}",
    "案发后，{人2}的家属向{单位}反映了{事由}",
]
GENDERS = ["男", "女"]
JOBS = ["无业", "个体经营者", "务工人员", "农民", "货车司机", "外卖骑手", "公司职员", "在校学生", "厨师", "保安"]
RELATIONS = ["邻居", "同事", "朋友", "同乡", "远房亲戚", "前同事", "生意伙伴", "网友"]
DEALINGS = ["来往不多", "关系一般", "常有经济往来", "曾因琐事发生矛盾", "互不相识"]
RECORDS = ["赌博", "吸毒", "打架斗殴", "酒后驾驶", "寻衅滋事", "非法经营", "偷窃"]
TREATMENTS = ["行政拘留十日", "判处有期徒刑六个月", "罚款五百元", "强制隔离戒毒二年", "判处拘役三个月"]
MOTIVES = ["急需用钱", "一时冲动", "赌博欠债", "受他人指使", "酒后失控", "贪图小利", "心存侥幸"]
MATTERS_RAISED = ["赔偿问题", "案件进展", "财物返还", "嫌疑人家属的骚扰", "医疗费用", "工作单位的处理"]


class Maker:
    """Fills templates; every name comes from a seeded random generator."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def person(self) -> str:
        return self.r.choice(SURNAMES) + self.r.choice(["某", "某某", "某甲", "某乙"])

    def name(self, n: int = 2) -> str:
        return "".join(self.r.choice(SYLLABLES) for _ in range(n))

    def place(self) -> str:
        kind = self.r.random()
        if kind < 0.4:
            return f"{self.r.choice(TOWNS)}{self.name()}{self.r.choice(PLACES)}"
        if kind < 0.7:
            return f"{self.name()}村{self.r.randint(1, 12)}组"
        return f"{self.name()}路与{self.name()}街交叉口"

    def fill(self, template: str, ctx: dict) -> str:
        r = self.r
        values = {
            "人": ctx["person"],
            "人2": ctx["victim"],
            "地": self.place(),
            "时": r.choice(["深夜", "凌晨", "午休时间", "夜间", "清晨"]),
            "物": r.choice(ITEMS),
            "量": r.choice(UNITS),
            "额": str(r.choice([r.randint(200, 3000), r.randint(3000, 50000), r.randint(50000, 900000)])),
            "额2": str(r.randint(10000, 500000)),
            "n": str(r.randint(2, 60)),
            "事": r.choice(MATTERS),
            "身份": r.choice(IDENTITIES),
            "平台": r.choice(PLATFORMS),
            "应用": r.choice(APPS),
            "纠纷": r.choice(DISPUTES),
            "车": r.choice(VEHICLES),
            "酒": str(r.randint(80, 260)),
            "克": f"{r.randint(1, 300)}.{r.randint(0, 9)}",
            "单位": ctx["unit"],
            "分": str(r.randint(3, 15)),
            "病": r.choice(["怀孕的妇女", "患有严重疾病的人", "正在哺乳自己婴儿的妇女"]),
            "县": ctx["county"],
            "法": r.choice(ctx["laws"]),
            "罪": ctx["charge"],
            "月": str(r.randint(1, 36)),
            "月2": str(r.randint(2, 60)),
            "日": str(r.randint(3, 15)),
            "性别": r.choice(GENDERS),
            "岁": str(r.randint(16, 68)),
            "籍贯": f"{self.name()}省{self.name()}县",
            "职业": r.choice(JOBS),
            "关系": r.choice(RELATIONS),
            "往来": r.choice(DEALINGS),
            "时间": f"{r.randint(2019, 2025)}年{r.randint(1, 12)}月{r.randint(1, 28)}日{r.randint(0, 23)}时许",
            "前科": r.choice(RECORDS),
            "年份": str(r.randint(2010, 2022)),
            "处理": r.choice(TREATMENTS),
            "动机": r.choice(MOTIVES),
            "事由": r.choice(MATTERS_RAISED),
        }
        return template.format(**values)

    def sentences(self, pool: list[str], k: int, ctx: dict) -> str:
        picks = self.r.sample(pool, k=min(k, len(pool)))
        return "。".join(self.fill(t, ctx) for t in picks) + "。"

    def topics(self, k: int, category: str = "") -> list[list[str]]:
        """k distinct topics, those usual for the category (TOPIC_AFFINITY) six times as likely."""
        usual = TOPIC_AFFINITY.get(category, ())
        names = list(TOPICS)
        weights = [6 if t in usual else 1 for t in names]
        chosen: list[str] = []
        while len(chosen) < k:
            t = self.r.choices(names, weights)[0]
            if t not in chosen:
                chosen.append(t)
        return [TOPICS[t] for t in chosen]

    def evidence(self, ctx: dict) -> str:
        kinds = [
            "证人" + self.person() + "的证言",
            "视听资料",
            "现场勘验笔录",
            "辨认笔录",
            "扣押清单",
            "价格认定结论书",
            "鉴定意见",
            "银行交易明细",
            "微信聊天记录",
            "户籍证明",
            "到案经过",
            "受案登记表",
            ctx["person"] + "的供述与辩解",
            "被害人" + ctx["victim"] + "的陈述",
            "搜查笔录",
            "检查笔录",
            "通话记录",
            "物证照片",
            "调取证据清单",
            "情况说明",
            "前科查询记录",
            "发票",
            "租赁合同",
            "提取笔录",
        ]
        return "上述事实，有" + "、".join(self.r.sample(kinds, k=self.r.randint(2, 5))) + "等证据证实。"


def case_document(m: Maker, n: int, category: str, profile: dict, year: int) -> tuple[str, str]:
    r = m.r
    charge = r.choice(profile["charges"])
    ctx = {
        "person": m.person(),
        "victim": m.person(),
        "unit": f"{r.choice(['城关', '东城', '河口', '北山', '南湖', '新华'])}派出所",
        "county": f"{m.name()}县",
        "laws": profile["laws"],
        "charge": charge,
    }
    doc_id = f"C-{year}-{n:06d}"
    when = date(year, 1, 1) + timedelta(days=r.randint(0, 360))
    topics = m.topics(3, category)
    facts = (
        m.sentences(BACKGROUND, r.randint(4, 7), ctx)
        + m.sentences(profile["facts"], r.randint(3, 5), ctx)
        + m.sentences(BACKGROUND, r.randint(1, 3), ctx)
        + m.sentences(topics[0], 1, ctx)
        + m.evidence(ctx)
        + "\n\n另查明，"
        + m.sentences(BACKGROUND, r.randint(3, 6), ctx)
        + m.sentences(profile["facts"], r.randint(1, 3), ctx)
    )
    point = r.choice(profile["points"])
    title = f"{ctx['person']}{r.choice(profile['tags'])}案——{point[: r.randint(8, 16)]}"
    tags = r.sample(profile["tags"], k=min(len(profile["tags"]), r.randint(2, 6)))
    laws = r.sample(profile["laws"], k=r.randint(1, len(profile["laws"])))
    body = "\n\n".join(
        [
            "## 基本案情\n\n" + facts,
            "## 办案过程\n\n"
            + "\n".join(f"{i}. " + m.sentences(topic, r.randint(2, 3), ctx) for i, topic in enumerate(topics, 1))
            + "\n"
            + m.sentences(BACKGROUND, r.randint(1, 3), ctx),
            "## 法律适用\n\n"
            + m.sentences(REASONING, r.randint(4, 6), ctx)
            + point
            + "。"
            + m.sentences(BACKGROUND, 2, ctx),
            "## 处理结果\n\n" + m.sentences(RESULTS, 1, ctx),
            "## 办案要旨\n\n" + point + "。" + m.sentences(profile["facts"], 1, ctx),
            "## 指导意义\n\n"
            + m.sentences(r.choice(topics), r.randint(1, 3), ctx)
            + m.sentences(profile["facts"], 1, ctx),
        ]
    )
    front = [
        f"id: {doc_id}",
        f"title: {title}",
        f"category: {category}",
        f"case_type: {profile['type']}",
        f"charges: [{charge}]",
        f"year: {year}",
        f"unit: 某县公安局{ctx['unit']}",
        f"tags: [{', '.join(tags)}]",
        f"laws: [{', '.join(laws)}]",
        "audience: [办案民警, 法制员]",
        f"stage: [{r.choice(['调查取证', '强制措施', '受案立案'])}]",
        "status: 现行",
        f"issued: {when.isoformat()}",
        "version: 1",
        f"summary: {point}。",
    ]
    return f"casebook/{category}/{doc_id}.md", "---\n" + "\n".join(front) + "\n---\n\n" + body + "\n"


def guide_document(m: Maker, n: int, category: str, year: int, stages: list[str]) -> tuple[str, str]:
    r = m.r
    profile = PROFILES.get(category)
    tags = GENERAL.get(category) or profile["tags"]
    laws = profile["laws"] if profile else ["刑事诉讼法第六十七条", "公安机关办理刑事案件程序规定第一百零五条"]
    ctx = {
        "person": m.person(),
        "victim": m.person(),
        "unit": "派出所",
        "county": f"{m.name()}县",
        "laws": laws,
        "charge": profile["charges"][0] if profile else "相关违法犯罪",
    }
    doc_id = f"G-{year}-{n:06d}"
    when = date(year, 1, 1) + timedelta(days=r.randint(0, 360))
    sections = []
    for i, (stage, topic) in enumerate(zip(r.sample(stages, k=3), m.topics(3, category), strict=True), 1):
        steps = "\n".join(f"{j}. " + m.sentences(topic, 1, ctx) for j in range(1, r.randint(3, 5)))
        sections.append(f"## {i}. {stage}\n\n{steps}\n\n" + m.sentences(BACKGROUND, 2, ctx))
    if profile:
        sections.append("## 常见情形\n\n" + m.sentences(profile["facts"], r.randint(2, 3), ctx))
    front = [
        f"id: {doc_id}",
        f"title: {category}案件{r.choice(['办理', '取证', '审核', '执法'])}指引（{m.name()}版）",
        f"category: {category}",
        f"kind: {r.choice(['办案指引', '执法宝典', '工具箱'])}",
        f"stage: [{', '.join(r.sample(stages, k=2))}]",
        f"tags: [{', '.join(r.sample(tags, k=min(len(tags), 3)))}]",
        f"laws: [{', '.join(laws[:2])}]",
        "audience: [办案民警, 法制员, 单位负责人]",
        "status: 现行",
        f"issued: {when.isoformat()}",
        "version: 1",
        f"summary: 规范{category}案件的办理，明确各环节的工作要求。",
    ]
    return f"guides/{doc_id}.md", "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(sections) + "\n"


def generate(n: int, out: Path, seed: int = 7, guide_share: float = 0.08) -> Path:
    """Write n documents under out/guides and out/casebook, with the repository's data files."""
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    for name in DATA_FILES:  # not learning_paths.yaml: it names the real casebook's ids
        if (REPO / "data" / name).is_file():
            shutil.copy(REPO / "data" / name, out / "data" / name)
    sys.path.insert(0, str(REPO))
    from kb.content.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(out / "data" / "taxonomy.yaml")
    case_categories = [c for c in taxonomy.categories if c in PROFILES]
    guide_categories = list(taxonomy.categories)
    m = Maker(seed)
    for i in range(n):
        year = m.r.randint(2019, 2025)
        if m.r.random() < guide_share:
            path, text = guide_document(m, i, m.r.choice(guide_categories), year, list(taxonomy.stages))
        else:
            category = m.r.choice(case_categories)
            path, text = case_document(m, i, category, PROFILES[category], year)
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("out", type=Path, help="content folder to (re)create")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    generate(args.n, args.out, args.seed)
    print(f"{args.n} documents written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
