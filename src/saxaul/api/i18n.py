"""Chinese text for the refusals a participant reads: one template per code, filled from fields.

Why here and not in the domain: the domain's ``detail`` is English for operators and logs, and a
refusal carries its facts as ``fields`` (``ripens_at`` as ISO 8601, ``limit``, ``balance_g``);
how a person reads them is the HTTP layer's concern, like the status. A code may have several
templates, for the refusals that share it (``daily_limit`` of a steal and of a watering): the
first whose guard field the refusal has is used.

Times are shown as a person's clock reads them, in the rules' zone (Asia/Shanghai): ``HH:MM``
today, else with the date. Example: ``not_ripe`` with ``ripens_at="2026-11-06T12:00:00+00:00"``
seen on 11-06 → "这个能量球将于 20:00 成熟，到时再来收取吧".
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

_LEDGER = "账目刚刚发生了变化，这次操作没有生效；请刷新后再试"
_TIME_SUFFIXES = ("_at", "_until")

ZH: Mapping[str, tuple[tuple[str | None, str], ...]] = {
    "not_friends": (
        ("ball_id", "只能偷好友的能量；请先邀请 {owner} 成为好友"),
        ("receiver", "只能给好友浇水；请先邀请 {receiver} 成为好友"),
        ("friends", "只能和好友一起合种；请先邀请他们成为好友"),
        ("owner", "只有好友才能查看 {owner} 的森林；请先邀请对方成为好友"),
    ),
    "not_owner": ((None, "只有能量球的主人才能收取；你可以去好友的森林偷一点能量"),),
    "own_ball": ((None, "不能偷自己的能量球，请直接收取"),),
    "participant_erased": ((None, "该参与者的个人数据已应其请求删除，无法再登录、计分或导出账单"),),
    "own_account": ((None, "不能给自己浇水；浇水是把能量送给好友"),),
    "not_initiator": ((None, "只有发起这次合种的人才能取消它"),),
    "not_ripe": ((None, "这个能量球将于 {ripens_at_local} 成熟，到时再来收取吧"),),
    "expired": ((None, "这个能量球已于 {expires_at_local} 过期，能量已转入过期账户"),),
    "already_stolen": ((None, "你已经偷过这个能量球了"),),
    "covered": ((None, "对方的能量有保护罩，到 {covered_until_local} 前都不能偷"),),
    "nothing_to_take": (
        ("remaining_g", "这个能量球只剩 {remaining_g} 克，太少了，不能再偷"),
        (None, "这个能量球已经空了：它已被收取或偷光"),
    ),
    "insufficient_energy": (
        (
            "cost_g",
            "种这棵树需要 {cost_g} 克能量，你现在有 {balance_g} 克；再收集一些，或和好友合种",
        ),
        (None, "你有 {balance_g} 克能量，不够 {amount_g} 克"),
    ),
    "already_covered": ((None, "你的保护罩到 {covered_until_local} 才结束，之后才能换新的"),),
    "not_funding": ((None, "这棵树已经不再筹集能量了"),),
    "not_promised": ((None, "树 {tree_id} 还没有承诺种下，承诺后才有证书"),),
    "statement_invalid": (
        (None, "这份碳账户对账单没有通过验证（签名、格式或合计不符），未被导入；原因见 detail"),
    ),
    "already_exists": ((None, "这个请求已经处理过了：树 {tree_id} 已经存在"),),
    "idempotency_key_reused": ((None, "这个请求编号已用于另一个操作；新的操作请使用新的编号"),),
    "not_a_step": ((None, "不能浇 {amount_g} 克；每次浇水只能选 {steps_g} 克"),),
    "not_a_cover": ((None, "没有 {hours} 小时的保护罩；可选 {offered_hours} 小时"),),
    "more_than_needed": ((None, "这棵树还需要 {needed_g} 克；请投入 1 到 {needed_g} 克"),),
    "unknown_species": ((None, "没有树种 {species_id}；请从树种目录中选择"),),
    "no_capacity": (
        (None, "现在没有合作伙伴能种{species_zh}：种植它的项目都已满额；请换一个树种"),
    ),
    "capacity_below_allocated": ((None, "这个项目已承诺了 {allocated} 棵树，容量不能低于这个数"),),
    "price_mismatch": ((None, "树木项目的能量价格就是该树种的价格：{species_cost_g} 克"),),
    "project_invalid": ((None, "项目的 {field} 与其他内容不符，请按说明修改"),),
    "too_many_planters": ((None, "一次合种最多 {limit} 人，包括你自己"),),
    "duplicate_planter": ((None, "{duplicate} 被重复填写了：每位好友只填一次，也不要填你自己"),),
    "daily_limit": (
        ("steals_today", "你今天已经偷了 {steals_today} 次，每天最多 {limit} 次，明天再来吧"),
        ("waterings_today", "你今天已经浇水 {waterings_today} 次，每天最多 {limit} 次，明天再来吧"),
    ),
    "rate_limited": ((None, "请求太频繁了，请在 {retry_after_s} 秒后再试"),),
    "not_found": (
        ("owner", "{owner} 没有编号为 {ball_id} 的能量球"),
        ("ball_id", "没有编号为 {ball_id} 的能量球"),
        ("tree_id", "你没有编号为 {tree_id} 的树"),
        (None, "找不到你要的内容"),
    ),
    "webhook_address_refused": (
        (
            None,
            "Webhook 只能发往公网地址：{host} 指向 {address}，属于本机、内网、链路本地"
            "（云元数据）或其他专用地址，不能接收推送",
        ),
    ),
    "forbidden_role": (
        (
            None,
            "角色为 {role} 的运营密钥无权执行 {permission}；请向管理员申请以下角色的密钥：{roles}",
        ),
    ),
    "unknown_role": ((None, "没有运营角色 {role}；可选：{roles}"),),
    "report_link_invalid": (
        (None, "这个报告链接无效（被改动过或不完整）；请向运营方索取新的链接"),
    ),
    "report_link_expired": (
        (None, "这个报告链接已于 {expired_at_local} 过期；请向运营方索取新的链接"),
    ),
    "exists": ((None, _LEDGER),),
    "exists_with_different_fields": ((None, _LEDGER),),
    "exceeds_balance": ((None, "余额不足，这次操作没有生效；请刷新后再试"),),
    "accounts_must_exist": ((None, _LEDGER),),
    "same_account": ((None, _LEDGER),),
    "amount_must_be_positive": ((None, _LEDGER),),
}
"""Per code: ``(guard field or None, template)``, tried in order."""


def local_time(instant: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> str:
    """``instant`` on a clock in ``zone``: ``20:00`` on ``now``'s day, else ``11月7日 20:00``."""
    local = instant.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _shown(fields: Mapping[str, Any], now: dt.datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The fields as a person reads them: lists joined, and ``<time>_local`` for each instant."""
    shown: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, list | tuple):
            shown[name] = "、".join(str(item) for item in value)
        else:
            shown[name] = value
        if isinstance(value, str) and name.endswith(_TIME_SUFFIXES):
            try:
                instant = dt.datetime.fromisoformat(value)
            except ValueError:
                continue
            shown[f"{name}_local"] = local_time(instant, now, zone)
    return shown


def detail_zh(code: str, fields: Mapping[str, Any], now: dt.datetime, zone: ZoneInfo) -> str | None:
    """The Chinese detail of a refusal, or ``None`` when no template fits its fields."""
    shown = _shown(fields, now, zone)
    for guard, template in ZH.get(code, ()):
        if guard is not None and guard not in fields:
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        if names <= shown.keys():
            return template.format(**shown)
    return None
