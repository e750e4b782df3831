"""Law names: the aliases officers write (刑诉法, 程序规定) and the one canonical name each stands for."""

from __future__ import annotations

import re

# Alias -> canonical short name. Identity entries mark names as "known": a known name is
# recognised even when it is short (刑法, 宪法) or glued to the words before it (违反刑法第…).
ALIASES: dict[str, str] = {
    "刑法": "刑法",
    "刑事诉讼法": "刑事诉讼法",
    "刑诉法": "刑事诉讼法",
    "治安管理处罚法": "治安管理处罚法",
    "治安处罚法": "治安管理处罚法",
    "治安法": "治安管理处罚法",
    "行政处罚法": "行政处罚法",
    "行政强制法": "行政强制法",
    "行政诉讼法": "行政诉讼法",
    "行政复议法": "行政复议法",
    "道路交通安全法": "道路交通安全法",
    "道交法": "道路交通安全法",
    "道路交通安全法实施条例": "道路交通安全法实施条例",
    "道交法实施条例": "道路交通安全法实施条例",
    "道路交通安全违法行为处理程序规定": "道路交通安全违法行为处理程序规定",
    "反电信网络诈骗法": "反电信网络诈骗法",
    "反电诈法": "反电信网络诈骗法",
    "禁毒法": "禁毒法",
    "公安机关办理刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "办理刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安机关刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安机关办理行政案件程序规定": "公安机关办理行政案件程序规定",
    "办理行政案件程序规定": "公安机关办理行政案件程序规定",
    "行政案件程序规定": "公安机关办理行政案件程序规定",
    "公安机关行政案件程序规定": "公安机关办理行政案件程序规定",
    # Officers' own short forms (issue 17).
    "刑事程序规定": "公安机关办理刑事案件程序规定",
    "行政程序规定": "公安机关办理行政案件程序规定",
    "刑案程序规定": "公安机关办理刑事案件程序规定",
    "行政案件办理程序规定": "公安机关办理行政案件程序规定",
    "刑诉法解释": "最高人民法院关于适用刑事诉讼法的解释",
    "高法解释": "最高人民法院关于适用刑事诉讼法的解释",
    # Short names of the judicial interpretations in the statute library, as case write-ups use them.
    "盗窃解释": "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
    "诈骗解释": "最高人民法院、最高人民检察院关于办理诈骗刑事案件具体应用法律若干问题的解释",
    "抢夺解释": "最高人民法院、最高人民检察院关于办理抢夺刑事案件适用法律若干问题的解释",
    "抢劫解释": "最高人民法院关于审理抢劫案件具体应用法律若干问题的解释",
    "敲诈勒索解释": "最高人民法院、最高人民检察院关于办理敲诈勒索刑事案件适用法律若干问题的解释",
    "寻衅滋事解释": "最高人民法院、最高人民检察院关于办理寻衅滋事刑事案件适用法律若干问题的解释",
    "个人信息解释": "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释",
    "侵犯公民个人信息解释": "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释",
    "掩饰隐瞒解释": "最高人民法院、最高人民检察院关于办理掩饰、隐瞒犯罪所得、犯罪所得收益刑事案件适用法律若干问题的解释",
    "帮信解释": "最高人民法院、最高人民检察院关于办理非法利用信息网络、帮助信息网络犯罪活动等刑事案件适用法律若干问题的解释",
    "赌博解释": "最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释",
    "两高赌博解释": "最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释",
    "两高盗窃解释": "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
    "两高诈骗解释": "最高人民法院、最高人民检察院关于办理诈骗刑事案件具体应用法律若干问题的解释",
    "两高帮信解释": "最高人民法院、最高人民检察院关于办理非法利用信息网络、帮助信息网络犯罪活动等刑事案件适用法律若干问题的解释",
    "两高袭警解释": "最高人民法院、最高人民检察院关于办理袭警刑事案件适用法律若干问题的解释",
    "袭警解释": "最高人民法院、最高人民检察院关于办理袭警刑事案件适用法律若干问题的解释",
    "交通肇事解释": "最高人民法院关于审理交通肇事刑事案件具体应用法律若干问题的解释",
    "毒品解释": "最高人民法院关于审理毒品犯罪案件适用法律若干问题的解释",
    "毒品犯罪解释": "最高人民法院关于审理毒品犯罪案件适用法律若干问题的解释",
    "宪法": "宪法",
    "民法典": "民法典",
    "人民警察法": "人民警察法",
    "监察法": "监察法",
    "民事诉讼法": "民事诉讼法",
    "国家赔偿法": "国家赔偿法",
    "网络安全法": "网络安全法",
    "个人信息保护法": "个人信息保护法",
    "未成年人保护法": "未成年人保护法",
    "预防未成年人犯罪法": "预防未成年人犯罪法",
    "出境入境管理法": "出境入境管理法",
    "居民身份证法": "居民身份证法",
    "枪支管理法": "枪支管理法",
    "反有组织犯罪法": "反有组织犯罪法",
    "反恐怖主义法": "反恐怖主义法",
}

_CRIMINAL_RULES = "公安机关办理刑事案件程序规定"
_ADMIN_RULES = "公安机关办理行政案件程序规定"
# Short names that mean different laws in different documents: short name -> case type -> law.
# 程序规定 alone is how officers write either of the Ministry's two procedure rules. What the
# document itself names settles it (citation_context); failing that, the case's nature does:
# a criminal case is investigated under the 刑事 rules and a 治安 (行政) case under the 行政
# rules, so that is the one an officer writing up such a case means by the short name.
SHORT_NAMES: dict[str, dict[str, str]] = {
    "程序规定": {"刑事": _CRIMINAL_RULES, "行政": _ADMIN_RULES},
}

# Endings that make an unbracketed run of characters a law name.
LAW_SUFFIXES = ("法典", "法", "规定", "条例", "解释", "办法", "意见", "规则", "细则")
PRC = "中华人民共和国"  # dropped from law names: 中华人民共和国刑法 is 刑法

_SPACE_RE = re.compile(r"\s+")
_TRAILING_VERSION_RE = re.compile(r"[（(][^（）()]*(?:\d|年|修正|修订|号)[^（）()]*[）)]$")


def canonical_law_name(name: str) -> str:
    """Normalise a law name: drop 《》, 中华人民共和国, spaces and a trailing version note; apply ALIASES."""
    name = _SPACE_RE.sub("", name).replace("(", "（").replace(")", "）")
    for ch in "《》〈〉":
        name = name.replace(ch, "")
    name = name.replace(PRC, "")
    name = _TRAILING_VERSION_RE.sub("", name)
    return ALIASES.get(name, name)


__all__ = ["ALIASES", "LAW_SUFFIXES", "PRC", "SHORT_NAMES", "canonical_law_name"]
