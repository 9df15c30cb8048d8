# ruff: noqa: RUF001  (the requirement texts are Chinese: their full-width commas are meant)
"""MLPS 2.0 level-3 coverage: which checks evidence each item of GB/T 22239-2019 8.1.4 (secure
computing environment), and the catalogue filtered by clause.

A check names the clauses it evidences in its references (``MLPS-8.1.4.1b``: 8.1.4.1 b);
``MLPS-8.1.4.1``: the clause as a whole). :func:`coverage_markdown` lists every level-3 item of
8.1.4 with the remote and on-site checks that cite it (or its whole clause), else the
management checklist questions that do ("checklist/interview"), else "not covered";
docs/mlps-coverage.md is its output and a test fails when the copy is stale.

The item list and letters were put together from public baseline tools that quote the standard
(the research notes in the project's shared folder: the 8.1.4 letters agree across two
independent sources, jsl and luoge, and the HummerRisk level table); the official text was not
read. The requirement texts here are abridged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.core.models import Mode
from scanner.engine.registry import LoadedCheck

#: The level-3 items of 8.1.4: (item, abridged requirement in zh-CN, in English).
ITEMS_814: tuple[tuple[str, str, str], ...] = (
    (
        "8.1.4.1a",
        "身份标识唯一，鉴别信息有复杂度并定期更换",
        "unique identities; complex, regularly changed credentials",
    ),
    (
        "8.1.4.1b",
        "登录失败处理，限制非法登录次数，连接超时自动退出",
        "login failure handling, attempt limits, session timeout",
    ),
    ("8.1.4.1c", "远程管理防止鉴别信息被窃听", "remote administration safe from eavesdropping"),
    (
        "8.1.4.1d",
        "两种或以上组合鉴别，其中一种使用密码技术",
        "two or more authentication factors, one cryptographic",
    ),
    ("8.1.4.2a", "为登录用户分配账户和权限", "accounts and rights assigned to each login user"),
    (
        "8.1.4.2b",
        "重命名或删除默认账户，修改默认口令",
        "default accounts renamed or removed, default passwords changed",
    ),
    (
        "8.1.4.2c",
        "删除或停用多余、过期账户，避免共享账户",
        "surplus and expired accounts removed; no shared accounts",
    ),
    (
        "8.1.4.2d",
        "管理用户最小权限、权限分离",
        "least privilege and separation of administrative roles",
    ),
    ("8.1.4.2e", "由授权主体配置访问控制策略", "access control policy set by authorised subjects"),
    (
        "8.1.4.2f",
        "访问控制粒度达到用户/进程级和文件/数据库表级",
        "access control down to user/process and file/table level",
    ),
    (
        "8.1.4.2g",
        "对重要主体和客体设置安全标记",
        "security labels on important subjects and objects (MAC)",
    ),
    (
        "8.1.4.3a",
        "启用安全审计，覆盖每个用户，审计重要行为和事件",
        "auditing on, for every user, of important actions and events",
    ),
    (
        "8.1.4.3b",
        "审计记录包括日期时间、用户、事件类型、结果等",
        "audit records with time, user, event type and outcome",
    ),
    (
        "8.1.4.3c",
        "保护审计记录，定期备份，防止删除、修改或覆盖",
        "audit records protected and backed up",
    ),
    (
        "8.1.4.3d",
        "保护审计进程，防止未经授权的中断",
        "audit process protected against interruption",
    ),
    ("8.1.4.4a", "遵循最小安装原则", "minimal installation"),
    (
        "8.1.4.4b",
        "关闭不需要的系统服务、默认共享和高危端口",
        "unneeded services, default shares and high-risk ports off",
    ),
    (
        "8.1.4.4c",
        "限制管理终端的接入方式或网络地址范围",
        "management terminals limited by method or address range",
    ),
    ("8.1.4.4d", "提供数据有效性检验功能", "input data validity checks"),
    (
        "8.1.4.4e",
        "发现已知漏洞，经测试评估后及时修补",
        "known vulnerabilities found and patched after testing",
    ),
    (
        "8.1.4.4f",
        "检测对重要节点的入侵行为，严重时报警",
        "intrusions against important nodes detected and alerted",
    ),
    (
        "8.1.4.5a",
        "采用免受恶意代码攻击的技术措施或主动免疫可信验证机制",
        "protection against malicious code (or trusted verification)",
    ),
    (
        "8.1.4.6a",
        "基于可信根对设备进行可信验证并报警、审计",
        "trusted verification of boot, system and applications",
    ),
    ("8.1.4.7a", "重要数据在传输过程中的完整性", "integrity of important data in transit"),
    ("8.1.4.7b", "重要数据在存储过程中的完整性", "integrity of important data in storage"),
    ("8.1.4.8a", "重要数据在传输过程中的保密性", "confidentiality of important data in transit"),
    ("8.1.4.8b", "重要数据在存储过程中的保密性", "confidentiality of important data in storage"),
    ("8.1.4.9a", "重要数据的本地备份与恢复", "local backup and recovery of important data"),
    ("8.1.4.9b", "异地实时备份", "off-site real-time backup"),
    ("8.1.4.9c", "重要数据处理系统的热冗余", "hot redundancy of important data processing systems"),
    (
        "8.1.4.10a",
        "鉴别信息所在存储空间释放前完全清除",
        "storage of authentication data wiped before reuse",
    ),
    (
        "8.1.4.10b",
        "敏感数据所在存储空间释放前完全清除",
        "storage of sensitive data wiped before reuse",
    ),
    (
        "8.1.4.11a",
        "仅采集和保存业务必需的用户个人信息",
        "only necessary personal information collected and kept",
    ),
    (
        "8.1.4.11b",
        "禁止未授权访问和非法使用个人信息",
        "no unauthorised access to or use of personal information",
    ),
)

CLAUSE = re.compile(r"^(?:MLPS-)?(\d+(?:\.\d+)*)\s*(?:([a-g])\)?)?$")


def clause_key(text: str) -> str:
    """``8.1.4.1``, ``8.1.4.1b``, ``8.1.4.1 b)`` or ``MLPS-8.1.4.1b`` as ``8.1.4.1b``;
    ValueError naming the forms accepted otherwise."""
    m = CLAUSE.match(text.strip())
    if not m:
        raise ValueError(
            f"clause {text!r} is not an MLPS clause: write e.g. 8.1.4.1 or 8.1.4.1b (item b)"
        )
    return m.group(1) + (m.group(2) or "")


def _cited(check: LoadedCheck) -> list[str]:
    return [r.removeprefix("MLPS-") for r in check.meta.references if r.startswith("MLPS-")]


def cites(check: LoadedCheck, clause: str) -> bool:
    """Whether ``check`` cites ``clause`` (a key from :func:`clause_key`) or an item or
    sub-clause of it."""
    key = clause_key(clause)
    for ref in _cited(check):
        if ref == key or (
            key[-1].isdigit() and re.fullmatch(re.escape(key) + r"(?:[a-g]|\..*)", ref)
        ):
            return True
    return False


@dataclass(frozen=True)
class ItemCoverage:
    """One item of 8.1.4: the checks that cite it, those that cite its whole clause, and the
    checklist questions that do."""

    item: str
    checks: tuple[str, ...]
    clause_checks: tuple[str, ...]
    questions: tuple[str, ...]

    @property
    def status(self) -> str:
        """``checks`` (citing the item), ``checks (whole clause)``, ``checklist/interview`` or
        ``not covered``."""
        if self.checks:
            return "checks"
        if self.clause_checks:
            return "checks (whole clause)"
        return "checklist/interview" if self.questions else "not covered"


def coverage(checks: Iterable[LoadedCheck]) -> list[ItemCoverage]:
    """The coverage of every level-3 item of 8.1.4 by ``checks``."""
    chosen = list(checks)
    out = []
    for item, _zh, _en in ITEMS_814:
        clause = item.rstrip("abcdefg")
        exact = sorted(c.id for c in chosen if item in _cited(c) and c.meta.mode != Mode.CHECKLIST)
        whole = sorted(
            c.id for c in chosen if clause in _cited(c) and c.meta.mode != Mode.CHECKLIST
        )
        asked = sorted(
            c.id
            for c in chosen
            if c.meta.mode == Mode.CHECKLIST and ({item, clause} & set(_cited(c)))
        )
        out.append(ItemCoverage(item, tuple(exact), tuple(whole), tuple(asked)))
    return out


def _label(item: str) -> str:
    return re.sub(r"([a-g])$", r" \1)", item)


def coverage_markdown(checks: Iterable[LoadedCheck]) -> str:
    """docs/mlps-coverage.md: every level-3 item of 8.1.4 and what evidences it."""
    rows = coverage(checks)
    text = {item: (zh, en) for item, zh, en in ITEMS_814}
    covered = sum(1 for r in rows if r.status == "checks")
    whole = sum(1 for r in rows if r.status == "checks (whole clause)")
    asked = sum(1 for r in rows if r.status == "checklist/interview")
    lines = [
        "# MLPS 2.0 level 3: coverage of 8.1.4 (secure computing environment)",
        "",
        "Generated by `scanner coverage --format markdown` from the checks' references; do not",
        "edit by hand (`make docs` regenerates it). A check cites an item as `MLPS-8.1.4.1b`",
        "(8.1.4.1 b) or a whole clause as `MLPS-8.1.4.1`. `scanner checks --clause 8.1.4.1`",
        "lists the checks of one clause or item.",
        "",
        "The items and their letters come from public baseline tools that quote GB/T 22239-2019",
        "(two independent sources agree on the 8.1.4 letters); the official text was not read,",
        "and the requirements below are abridged. Checks cite a clause only where that mapping",
        "was verified in those sources; kernel sysctl hardening (host.kernel-sysctl-weak) cites",
        "none, its clause being unsettled.",
        "",
        f"Of {len(rows)} items, {covered} are evidenced by checks citing the item, {whole} only by "
        f"checks citing the whole clause, {asked} by checklist questions (interview) alone, and "
        f"{len(rows) - covered - whole - asked} not covered.",
        "",
        "| item | requirement (abridged) | evidence | checks citing the item | checks citing the "
        "whole clause | checklist questions |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        zh, en = text[r.item]
        lines.append(
            f"| {_label(r.item)} | {zh}<br>{en} | {r.status} | "
            f"{', '.join(f'`{c}`' for c in r.checks) or '—'} | "
            f"{', '.join(f'`{c}`' for c in r.clause_checks) or '—'} | "
            f"{', '.join(f'`{c}`' for c in r.questions) or '—'} |"
        )
    return "\n".join(lines) + "\n"
