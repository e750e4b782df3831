"""A tiny content folder for the app tests: a few guides and cases, one superseded, one hostile."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

XSS_MARKER = "XSS-FIRED"

GUIDE_OLD = """---
id: G-2020-001
title: 盗窃案件办理指引（2020年版）
kind: 办案指引
category: 盗窃
stage: [调查取证]
tags: [盗窃, 旧版]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 不再参照
superseded_by: G-2024-901
issued: 2020-03-01
version: 1
summary: 旧版盗窃案件办理指引，已由新版替代。
---

## 适用范围

本指引已不再参照，盗窃案件按新版指引办理。
"""

GUIDE_NEW = """---
id: G-2024-901
title: 盗窃案件办理指引
kind: 办案指引
category: 盗窃
stage: [调查取证, 强制措施]
tags: [盗窃, 多次盗窃, 入户盗窃, 电瓶]
laws: [刑法第二百六十四条]
audience: [办案民警, 法制员]
status: 现行
supersedes: [G-2020-001]
issued: 2024-05-01
version: 2
summary: 多次盗窃、入户盗窃、携带凶器盗窃、扒窃不以数额较大为要件；调取视频监控固定证据。
---

## 适用范围

办理盗窃案件适用本指引。依照刑法第二百六十四条，二年内盗窃三次以上的，应当认定为“多次盗窃”。

## 调查取证

| 证据 | 要点 |
|---|---|
| 视频监控 | 及时调取，防止覆盖 |
| 赃物 | 扣押并估价 |

盗窃电动车电瓶的，应当及时调取沿途视频监控。
"""

GUIDE_KIT = """---
id: G-2024-902
title: 醉驾案件办理工具箱
kind: 工具箱
category: 危险驾驶
stage: [受案立案, 调查取证]
tags: [醉驾, 血液酒精含量, 抽血]
laws: [刑法第一百三十三条之一, 刑法第一百三十三条]
audience: [办案民警]
status: 现行
issued: 2024-06-01
version: 1
summary: 醉驾案件抽血、送检和证据固定的清单。
---

## 清单

1. 呼气检测后及时抽取血样。
2. 血样送检，血液酒精含量达到80毫克/100毫升以上的，依照刑法第一百三十三条之一处理。
3. 醉驾发生重大事故的，另依照刑法第一百三十三条审查是否构成交通肇事罪。
"""

CASE_THEFT = """---
id: C-2023-901
title: 张某多次盗窃电动车电瓶案
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: 2023
unit: 某县公安局城关派出所
tags: [多次盗窃, 电瓶, 视频侦查]
laws: [刑法第二百六十四条]
audience: [办案民警, 法制员]
stage: [调查取证]
guides: [G-2024-901]
status: 现行
issued: 2023-09-12
version: 1
summary: 二年内盗窃三次以上即构成“多次盗窃”，不以数额较大为要件。
---

## 基本案情

2023年，张某在某小区多次盗窃电动车电瓶，价值共计800元。

## 办案过程

民警调取视频监控，锁定张某，依法传唤。

## 法律适用

张某二年内盗窃三次以上，依照刑法第二百六十四条，构成盗窃罪。

## 处理结果

移送审查起诉，法院以盗窃罪判处拘役。

## 办案要旨

多次盗窃不以数额较大为要件。

## 指导意义

办理多次盗窃案件，应当注意收集每次盗窃的证据。
"""

CASE_FIGHT = """---
id: C-2024-902
title: 李某酒后殴打他人治安案
category: 殴打他人
case_type: 行政
charges: [殴打他人]
year: 2024
unit: 某县公安局某派出所
tags: [殴打他人, 治安处罚]
laws: [治安管理处罚法第五十一条]
audience: [办案民警]
stage: [处罚执行]
status: 现行
issued: 2024-08-01
version: 1
summary: 酒后殴打他人造成轻微伤的，依法给予治安管理处罚。
---

## 基本案情

李某酒后在饭店与邻桌发生争执，殴打王某致轻微伤。

## 办案过程

民警及时到场，调取监控，询问证人。

## 法律适用

依照治安管理处罚法第五十一条处理。

## 处理结果

对李某处行政拘留十日。

## 办案要旨

殴打他人致轻微伤的，依法给予行政拘留。

## 指导意义

酒后纠纷要注意固定现场证据。
"""

CASE_XSS = """---
id: C-2024-903
title: "<script>window.XSS_TITLE='XSS-FIRED'</script>王某诈骗案<img src=x onerror=\\"window.XSS_IMG='XSS-FIRED'\\">[详情](javascript:window.XSS_MD='XSS-FIRED')"
category: 诈骗
case_type: 刑事
charges: [诈骗罪]
year: 2024
unit: "<b onmouseover=alert(1)>某派出所</b>"
tags: [诈骗, 测试]
laws: [刑法第二百六十六条]
audience: [办案民警]
status: 现行
issued: 2024-02-01
version: 1
summary: "<img src=x onerror=\\"window.XSS_SUMMARY='XSS-FIRED'\\">冒充客服诈骗的认定。"
---

## 基本案情

王某冒充客服实施诈骗。<script>window.XSS_BODY='XSS-FIRED'</script>

<img src="x" onerror="window.XSS_BODY_IMG='XSS-FIRED'">

[点击查看](javascript:window.XSS_LINK='XSS-FIRED')

<a href="javascript:window.XSS_A='XSS-FIRED'">另一个链接</a>

<iframe src="http://203.0.113.9/"></iframe>

## 办案过程

依照刑法第二百六十六条立案侦查。

## 法律适用

构成诈骗罪。

## 处理结果

移送起诉。

## 办案要旨

冒充客服骗取钱财的，以诈骗罪论处。

## 指导意义

注意资金流向查询。
"""

FILLER = """---
id: G-2023-9{n:02d}
title: 执法监督要点第{n}号
kind: 执法宝典
category: 执法监督
stage: [执法监督]
tags: [执法监督]
audience: [单位负责人]
status: 现行
issued: 2023-01-{n:02d}
version: 1
summary: 执法监督工作要点第{n}号。
---

## 要点

定期开展案件评查，第{n}号。
"""

DOCUMENTS = {
    "guides/G-2020-001.md": GUIDE_OLD,
    "guides/G-2024-901.md": GUIDE_NEW,
    "guides/G-2024-902.md": GUIDE_KIT,
    "casebook/盗窃/C-2023-901.md": CASE_THEFT,
    "casebook/殴打他人/C-2024-902.md": CASE_FIGHT,
    # Enough current documents for a second page of results (5 above + 10 here, 10 a page).
    **{f"guides/G-2023-9{n:02d}.md": FILLER.format(n=n) for n in range(1, 11)},
}

# Validation refuses this document, so it is written into the index behind validation's back
# (add_hostile) to prove the app stays safe if such a file ever reaches the index.
HOSTILE = {"casebook/诈骗/C-2024-903.md": CASE_XSS}

LEARNING_PATHS = """单位负责人:
  - id: G-2024-901
    reason: 了解盗窃案件的办理要求
办案民警:
  - id: G-2024-901
    reason: 盗窃案件最常见
  - id: C-2023-901
    reason: 多次盗窃的认定
  - id: G-2024-902
    reason: 醉驾案件清单
法制员:
  - id: C-2024-902
    reason: 治安案件处罚
"""


def make_content(root: Path, documents: dict[str, str] | None = None, learning: bool = True) -> Path:
    """Write a content folder (data files copied from the repository) and return it."""
    content = root / "content"
    shutil.copytree(REPO / "data", content / "data", ignore=shutil.ignore_patterns("learning_paths.yaml"))
    for rel, text in (DOCUMENTS if documents is None else documents).items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (content / "guides").mkdir(exist_ok=True)
    (content / "casebook").mkdir(exist_ok=True)
    if learning:
        (content / "data" / "learning_paths.yaml").write_text(LEARNING_PATHS, encoding="utf-8")
    return content


CRIMINAL_LAW = """# 中华人民共和国刑法

2020年12月26日 第十三届全国人民代表大会常务委员会第二十四次会议通过

<!-- INFO END -->

## 第二编 分则

第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。

第二百六十六条 诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。
"""


def make_laws(root: Path) -> Path:
    """A statute folder with two articles of the criminal law (enough to expand the fixture's citations)."""
    laws = root / "laws"
    (laws / "刑法").mkdir(parents=True, exist_ok=True)
    (laws / "刑法" / "刑法.md").write_text(CRIMINAL_LAW, encoding="utf-8")
    return laws


def add_hostile(content: Path, index: Path) -> None:
    """Write the hostile document and put it into the live index without validating it."""
    from kb.content.validation import read_document
    from kb.search.index import index_documents, load_resources
    from kb.settings import load_settings

    settings = load_settings(content=content, index=index)
    taxonomy = load_resources(settings).taxonomy
    docs = []
    for rel, text in HOSTILE.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        doc, _problems = read_document(path, rel, taxonomy)
        assert doc is not None, _problems
        docs.append(doc)
    index_documents(settings, docs)
